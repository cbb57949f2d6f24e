package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eep.api.comm.AbstractTransport;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ucx} {@link Transport}: a thin, thread-safe front over one {@link WorkerLoop} (the
 * progress thread that owns every UCX object) and one {@link Inbox}.
 *
 * <p>Callers: the runtime, from any thread. {@link #send} copies the frame (header and payload)
 * into a pooled direct buffer, which UCX then sends from without another copy, and queues it for
 * the progress thread: it returns without waiting for the network or the receiver, and the caller's
 * buffer is free again at once. {@link #connect} and {@link #reconnect} ask the peer's address
 * server for its worker address on the calling thread (a local TCP exchange, bounded by a timeout),
 * then open the endpoint on the progress thread; {@link #disconnect} runs there too. Peer error
 * listeners are called on the progress thread. With a {@link FrameAuth} (an {@code eep_secret}),
 * {@link #send} tags each frame on the calling thread and the receive path ({@link FrameReceiver})
 * refuses and counts frames without a valid tag.
 */
public final class UcxTransport extends AbstractTransport {
  private static final Logger LOG = LoggerFactory.getLogger(UcxTransport.class);

  /** How long {@link #connect} waits for the peer to hand over its worker address. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final FrameAuth auth;
  private final DirectBufferPool pool = new DirectBufferPool();
  private final UcxEndpoints endpoints;
  private final WorkerLoop loop;
  private final AddressServer addressServer;
  private final String address;

  private UcxTransport(UcxTransportOptions options, FrameAuth auth) {
    super(options.rank(), options.maxRanks());
    this.auth = auth;
    this.endpoints = new UcxEndpoints(options.rank(), inbox(), pool, this::peerFailed, auth);
    this.loop =
        WorkerLoop.start("eep-ucx-progress-r" + options.rank(), options.spinNanos(), endpoints);
    try {
      this.addressServer = AddressServer.start(options.host(), endpoints.workerAddress());
    } catch (IOException | RuntimeException e) {
      loop.stop();
      throw new TransportException(
          -1,
          "Rank " + options.rank() + " cannot listen on " + options.host() + ": " + e.getMessage(),
          e);
    }
    this.address = addressServer.address().toString();
  }

  /**
   * A listening transport for {@code options.rank()}.
   *
   * @throws TransportException if libucp cannot be loaded or UCX cannot listen
   */
  public static UcxTransport open(UcxTransportOptions options) {
    return open(options, FrameAuth.none());
  }

  /**
   * A listening transport for {@code options.rank()} that tags and verifies frames with {@code
   * auth}.
   *
   * @throws TransportException if libucp cannot be loaded or UCX cannot listen
   */
  public static UcxTransport open(UcxTransportOptions options, FrameAuth auth) {
    return new UcxTransport(
        requireNonNull(options, "options is null"), requireNonNull(auth, "auth is null"));
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void connect(int peer, String peerAddress) {
    UcxAddress target = parse(peer, peerAddress);
    PeerLink current = endpoints.link(peer);
    if (current != null && current.address().equals(target) && current.failure() == null) {
      return;
    }
    open(peer, target, false);
  }

  @Override
  public void reconnect(int peer, String peerAddress) {
    open(peer, parse(peer, peerAddress), true);
  }

  @Override
  public void disconnect(int peer) {
    loop.call(
        () -> {
          endpoints.disconnect(peer);
          return null;
        });
  }

  @Override
  protected void doSend(int peer, MessageHeader header, ByteBuffer[] parts, int length) {
    PeerLink link = endpoints.link(peer);
    if (link == null) {
      throw new TransportException(peer, "Rank " + rank() + " has no connection to rank " + peer);
    }
    PeerFailedException failure = link.failure();
    if (failure != null) {
      throw new PeerFailedException(peer, failure.getMessage(), failure);
    }
    FrameAuth toPeer = auth.toReceiver(peer);
    ByteBuffer frame = pool.acquire(FrameCodec.frameSize(length, toPeer));
    FrameCodec.writeHeader(frame, header, length, toPeer);
    for (ByteBuffer part : parts) {
      frame.put(part.duplicate());
    }
    FrameCodec.appendTag(frame, 0, header, toPeer);
    frame.flip();
    loop.execute(
        new WorkerLoop.Command() {
          @Override
          public void run() {
            endpoints.send(link, frame);
          }

          @Override
          public void reject() {
            pool.release(frame);
          }
        });
  }

  @Override
  protected void doClose() {
    addressServer.close();
    loop.stop();
  }

  @Override
  public String toString() {
    return "UcxTransport[rank=" + rank() + ", address=" + address + "]";
  }

  private void open(int peer, UcxAddress target, boolean replace) {
    ensureOpen(peer);
    WorkerAddress remote;
    try {
      remote = AddressServer.fetch(target, CONNECT_TIMEOUT);
    } catch (IOException e) {
      throw new PeerFailedException(
          peer,
          "Rank " + rank() + " cannot reach rank " + peer + " at " + target + ": " + e.getMessage(),
          e);
    }
    if (remote.rank() != peer) {
      throw new TransportException(
          peer, target + " is the address of rank " + remote.rank() + ", not of rank " + peer);
    }
    loop.call(
        () -> {
          endpoints.connect(peer, target, remote, replace);
          return null;
        });
  }

  private static UcxAddress parse(int peer, String peerAddress) {
    requireNonNull(peerAddress, "peerAddress is null");
    try {
      return UcxAddress.parse(peerAddress);
    } catch (IllegalArgumentException e) {
      throw new TransportException(peer, e.getMessage(), e);
    }
  }
}
