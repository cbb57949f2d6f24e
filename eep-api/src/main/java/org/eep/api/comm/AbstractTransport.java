package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton every {@link Transport} shares, as Netty's {@code AbstractChannel} is for its
 * channels: the rank, the {@link Inbox} behind {@link #receive} and {@link #fence}, the peer error
 * listeners, the closed flag and the send counters. A provider implements connecting ({@link
 * #connect}, {@link #reconnect}, {@link #disconnect}), putting one frame on the wire ({@link
 * #doSend}) and releasing its resources ({@link #doClose}); its receive path hands arrived frames
 * to {@link #inbox()} and reports a broken connection with {@link #peerFailed}. Probes are answered
 * here, on the provider's I/O thread that delivered them, through {@link #doSend}.
 *
 * <p>Threading: as {@link Transport}. {@link #doSend} runs on the sending thread after the
 * transport was found open; {@link #doClose} runs once, on the thread that closed it first.
 */
public abstract class AbstractTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(AbstractTransport.class);

  private final int rank;
  private final Inbox inbox;
  private final List<PeerErrorListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder sent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();

  /**
   * A transport of {@code rank} in an instance of {@code maxRanks} slots, accepting everything
   * until the first fence.
   */
  protected AbstractTransport(int rank, int maxRanks) {
    if (rank < 0 || rank >= maxRanks) {
      throw new IllegalArgumentException("rank " + rank + " outside [0, " + maxRanks + ")");
    }
    this.rank = rank;
    this.inbox = new Inbox(Fence.open(maxRanks), this::answerProbe);
  }

  @Override
  public final int rank() {
    return rank;
  }

  /**
   * The receive side: the provider's I/O path delivers arrived frames here and counts refused ones.
   */
  protected final Inbox inbox() {
    return inbox;
  }

  @Override
  public final void send(int peer, MessageHeader header, ByteBuffer... payload) {
    requireNonNull(header, "header is null");
    requireNonNull(payload, "payload is null");
    ensureOpen(peer);
    long bytes = 0;
    for (ByteBuffer part : payload) {
      bytes += requireNonNull(part, "payload part is null").remaining();
    }
    if (bytes > FrameCodec.MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "payload of " + bytes + " bytes exceeds " + FrameCodec.MAX_PAYLOAD);
    }
    doSend(peer, header, payload, (int) bytes);
    sent.increment();
    bytesSent.add(bytes);
  }

  /**
   * Puts one message on the wire to {@code peer}: its payload is the remaining bytes of {@code
   * parts} in order, {@code length} in all, copied before this returns (the caller may reuse the
   * buffers; their positions must not move). Never waits for the receiver.
   *
   * @throws PeerFailedException if the connection to the peer is known to be broken
   * @throws TransportException if the peer was never connected
   */
  protected abstract void doSend(int peer, MessageHeader header, ByteBuffer[] parts, int length);

  @Override
  public final Message receive(MessageKey key, Duration timeout) throws InterruptedException {
    requireNonNull(key, "key is null");
    requireNonNull(timeout, "timeout is null");
    return inbox.take(key, timeout);
  }

  @Override
  public final void fence(Fence fence) {
    inbox.fence(fence);
  }

  @Override
  public final OptionalLong lastHeard(int peer) {
    return inbox.lastHeard(peer);
  }

  /** Answers {@code probe} to its sender, if this endpoint is open and connected to it. */
  private void answerProbe(MessageHeader probe) {
    if (closed.get()) {
      return;
    }
    Fence f = inbox.currentFence();
    long own = f.incarnation(rank);
    MessageHeader ack =
        new MessageHeader(
            rank,
            Math.max(own, 0),
            probe.epoch(),
            probe.step(),
            probe.layer(),
            Phase.PROBE_ACK,
            probe.tag());
    try {
      doSend(probe.sender(), ack, new ByteBuffer[0], 0);
    } catch (TransportException e) {
      // Not (or no longer) connected to the prober: it probes again, or has gone.
      LOG.debug(
          "Rank {} cannot answer a probe of rank {}: {}", rank, probe.sender(), e.getMessage());
    }
  }

  @Override
  public final void addPeerErrorListener(PeerErrorListener listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
  }

  @Override
  public final TransportStats stats() {
    return inbox.stats(sent.sum(), bytesSent.sum());
  }

  /**
   * Reports that the connection to {@code peer} broke: waits on it fail until {@link
   * #peerRestored}, and every listener is told (one that throws is logged; the others are still
   * told).
   */
  protected final void peerFailed(int peer, Throwable cause) {
    inbox.peerFailed(peer, cause);
    notifyPeerError(peer, cause);
  }

  /**
   * Tells every listener that the connection to {@code peer} broke, without touching the inbox: for
   * a provider that fails the peer in the inbox itself, under a lock of its own.
   */
  protected final void notifyPeerError(int peer, Throwable cause) {
    for (PeerErrorListener l : listeners) {
      try {
        l.onPeerError(peer, cause);
      } catch (RuntimeException e) {
        LOG.warn("A peer error listener of rank {} failed for rank {}", rank, peer, e);
      }
    }
  }

  /** The connection to {@code peer} was re-made: waits on it may succeed again. */
  protected final void peerRestored(int peer) {
    inbox.peerRestored(peer);
  }

  @Override
  public final void close() {
    if (closed.compareAndSet(false, true)) {
      doClose();
    }
  }

  /** Releases the provider's connections, listener and threads; called once. */
  protected abstract void doClose();

  protected final boolean isClosed() {
    return closed.get();
  }

  /**
   * @throws TransportException naming {@code peer} if this transport is closed
   */
  protected final void ensureOpen(int peer) {
    if (closed.get()) {
      throw new TransportException(peer, "Transport of rank " + rank + " is closed");
    }
  }
}
