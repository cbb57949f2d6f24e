package org.eep.api.comm;

/**
 * Counters of one transport since it was created. A probe ({@link Phase#PROBE}) is sent through
 * {@link Transport#send} and counted in {@code messagesSent}; it is never delivered, and the
 * transport's answers to probes count in neither.
 *
 * @param messagesSent messages handed to {@link Transport#send}
 * @param bytesSent payload bytes of those messages
 * @param messagesDelivered messages a {@link Transport#receive} returned
 * @param droppedStaleEpoch messages of an epoch older than the fence, dropped
 * @param droppedStaleIncarnation messages from a non-member or a stale incarnation, dropped
 * @param droppedDuplicate second copies of a message (same {@link MessageKey} in the same epoch),
 *     dropped
 * @param droppedMalformed frames that did not decode, dropped
 * @param droppedUnauthenticated frames with a missing or wrong authentication tag ({@link
 *     FrameAuth}), dropped
 */
public record TransportStats(
    long messagesSent,
    long bytesSent,
    long messagesDelivered,
    long droppedStaleEpoch,
    long droppedStaleIncarnation,
    long droppedDuplicate,
    long droppedMalformed,
    long droppedUnauthenticated) {

  /**
   * The counters of a transport that has no notion of authentication (none dropped as
   * unauthenticated).
   */
  public TransportStats(
      long messagesSent,
      long bytesSent,
      long messagesDelivered,
      long droppedStaleEpoch,
      long droppedStaleIncarnation,
      long droppedDuplicate,
      long droppedMalformed) {
    this(
        messagesSent,
        bytesSent,
        messagesDelivered,
        droppedStaleEpoch,
        droppedStaleIncarnation,
        droppedDuplicate,
        droppedMalformed,
        0);
  }

  /** Every message dropped by fencing (older epoch or stale incarnation). */
  public long fenced() {
    return droppedStaleEpoch + droppedStaleIncarnation;
  }
}
