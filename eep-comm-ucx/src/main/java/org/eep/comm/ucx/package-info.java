/**
 * Transport provider {@code ucx}: EEP's data plane on UCX through JUCX.
 *
 * <h2>Objects</h2>
 *
 * Each {@link org.eep.api.comm.Transport} owns, for its whole life, one UCP context (active-message
 * and wake-up features) and one UCP worker, plus a listener: a TCP socket bound to {@code eep_host}
 * on a fresh ephemeral port, whose one job is to hand connecting peers this worker's UCP address.
 * The transport's address is {@code ucx://host:port} of that socket. {@code connect(peer, address)}
 * fetches the peer's worker address there and opens one UCP endpoint to it, with peer error
 * handling ({@code UCP_ERR_HANDLING_MODE_PEER}); UCX makes its own connections from there (when
 * both ranks connect, UCX pairs the two endpoints into one connection). {@code reconnect} replaces
 * one peer's endpoint and touches nothing else: not the context, not the worker, not other peers'
 * endpoints.
 *
 * <p>Why not UCX's own listener ({@code ucp_listener_create} and socket-address endpoints): with
 * JUCX 1.12.1 on UCX 1.13 it crashes the JVM. UCX's TCP connection manager keeps a pointer to the
 * listener in every half-accepted connection and dereferences it after {@code ucp_listener_destroy}
 * when a peer's handshake is in flight while a transport closes (SIGSEGV in {@code
 * ucp_cm_server_conn_request_cb}, reproduced by creating and closing a three-rank mesh in a loop);
 * and JUCX's {@code createEndpointNative} hands UCX a socket address that lives in a stack slot
 * already out of scope. Worker-address endpoints use neither.
 *
 * <h2>Frames</h2>
 *
 * A message is one UCX active message whose data is the whole frame: the {@link
 * org.eep.api.comm.FrameCodec} header followed by the payload. The sender copies header and payload
 * into a pooled direct buffer that UCX sends from; that copy is what lets {@code send} return at
 * once and leave the caller's buffer free, as the SPI requires (UCX may still be reading its source
 * when the send call returns, and a rendezvous send completes only once the receiver has fetched
 * the data). The receiver's handler decodes eager data where UCX holds it and copies the payload
 * once, into a heap buffer the {@link org.eep.api.comm.Inbox} then owns; rendezvous data is first
 * received, without a copy, into a pooled direct buffer. The inbox matches, fences (epoch and
 * incarnation) and counts; a frame that does not decode is counted as malformed. With {@code
 * eep_secret} set, frames carry an HMAC tag ({@link org.eep.api.comm.FrameAuth}) and one without a
 * valid tag is counted as unauthenticated and dropped before the inbox. Active messages rather than
 * tag messages: no probing, fewer JNI crossings per message, one copy of eager data instead of two,
 * and no leaked request on the receive side (see {@code docs/ucx.md}).
 *
 * <h2>Threading</h2>
 *
 * UCX fires callbacks (arrivals, completions, endpoint errors) only from inside {@code
 * ucp_worker_progress}, and the worker is created in single-thread mode. So each transport has one
 * dedicated progress thread that makes every UCX call, from creating the context to destroying it.
 * Other threads queue commands for it and wake it with {@code ucp_worker_signal} (the one call UCX
 * allows from any thread). The progress thread polls while there is work and for {@code
 * eep_ucx_spin_us} after (yielding the core between idle passes: the receiver it just woke may need
 * it), then sleeps in {@code ucp_worker_wait} until the network, a UCX event or a signal wakes it.
 * Closing flushes every endpoint (for up to 2 s), then force-closes it and destroys the worker once
 * no UCX request is outstanding.
 *
 * <h2>Failures</h2>
 *
 * An error on a peer's current endpoint (a {@code kill -9}'d peer resets its TCP connections, and
 * UCX reports it at once) marks that peer failed in the inbox, which ends waits on it with {@link
 * org.eep.api.comm.PeerFailedException}, and is passed to every {@link
 * org.eep.api.comm.PeerErrorListener}, on the progress thread. Later sends to it throw until it is
 * reconnected. Errors of replaced endpoints are ignored.
 *
 * <h2>Native dependency</h2>
 *
 * JUCX 1.12.1 brings {@code libjucx.so}; {@code libucp.so.0} comes from the system (Debian: {@code
 * apt-get install libucx0}, UCX 1.13). Without it the provider's {@code create} throws a {@link
 * org.eep.api.comm.TransportException} saying so. See {@code docs/ucx.md}.
 */
package org.eep.comm.ucx;
