/**
 * Implementation of the {@code ucx} transport; not an API. {@code UcxTransport} is the front,
 * {@code WorkerLoop} the progress thread that alone touches UCX, {@code UcxEndpoints} the endpoints
 * (one {@code PeerLink} per peer), {@code FrameReceiver} the receive path and {@code AddressServer}
 * the listener that hands out the worker address. The design is described in {@link
 * org.eep.comm.ucx}.
 */
package org.eep.comm.ucx.internal;
