package org.eep.api.comm;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * One rank's data-plane endpoint. It listens at {@link #address()} (published through membership)
 * and holds one connection per peer, made with {@link #connect} and re-made for one peer alone with
 * {@link #reconnect} when that peer rejoins as a new incarnation: other connections are untouched.
 *
 * <p>Delivery: messages from one sender arrive in the order sent. A receive waits for exactly one
 * message matching a {@link MessageKey}. Messages that arrive before they are asked for are kept.
 * The {@link Fence} says what is accepted: a message of an older epoch or from a stale incarnation
 * is dropped and counted, never delivered; fencing a newer epoch ends every wait for an older one
 * with {@link EpochChangedException}.
 *
 * <p>Liveness: a message of phase {@link Phase#PROBE} is answered by the receiving transport
 * itself, from its I/O path, with a {@link Phase#PROBE_ACK} carrying the probe's epoch, step, layer
 * and tag; neither is ever delivered to a receive. So a rank whose threads are all busy still
 * answers, and one whose process is frozen (SIGSTOP) does not. {@link #lastHeard} says when any
 * frame of a peer last arrived.
 *
 * <p>Failures: a broken connection is reported to every {@link PeerErrorListener} and ends waits on
 * that peer with {@link PeerFailedException}; a wait past its deadline ends with {@link
 * ReceiveTimeoutException}.
 *
 * <p>Threading: thread-safe. {@link #send} never waits for the receiver to take the message;
 * several threads may wait in {@link #receive} for different keys.
 */
public interface Transport extends AutoCloseable {

  /** The rank this endpoint belongs to. */
  int rank();

  /** Where peers reach this endpoint; opaque to everyone but the same provider. */
  String address();

  /**
   * Opens the connection to {@code peer} at {@code address}; a no-op if already open to that
   * address.
   */
  void connect(int peer, String address);

  /**
   * Closes any connection to {@code peer} and opens a new one to {@code address}; no other peer is
   * touched.
   */
  void reconnect(int peer, String address);

  /** Closes the connection to {@code peer}, if any. */
  void disconnect(int peer);

  /**
   * Sends one message to {@code peer} whose payload is the remaining bytes of {@code payload}'s
   * parts, in order (a gathering send: a payload made of a small header and a tensor's bytes needs
   * no intermediate copy). The parts are copied before the call returns and not retained; their
   * positions do not move.
   *
   * @throws PeerFailedException if the connection to the peer is known to be broken
   * @throws TransportException if the peer was never connected
   */
  void send(int peer, MessageHeader header, ByteBuffer... payload);

  /**
   * Waits for the message matching {@code key}.
   *
   * @throws ReceiveTimeoutException when {@code timeout} passes first
   * @throws EpochChangedException when a newer epoch is fenced in while waiting, or a message of a
   *     newer epoch arrives from the sender (which, delivery being in order, has gone on)
   * @throws PeerFailedException when the sender's connection breaks
   */
  Message receive(MessageKey key, Duration timeout) throws InterruptedException;

  /**
   * Applies a new fence (never an older epoch): drops what it no longer accepts and ends stale
   * waits.
   */
  void fence(Fence fence);

  /**
   * When the last frame from {@code peer} arrived (any phase, also one the fence dropped), as
   * {@link System#nanoTime()}; empty if none has.
   */
  OptionalLong lastHeard(int peer);

  /** Adds a listener for broken peer connections. */
  void addPeerErrorListener(PeerErrorListener listener);

  TransportStats stats();

  /** Closes every connection and the listener. Idempotent. */
  @Override
  void close();
}
