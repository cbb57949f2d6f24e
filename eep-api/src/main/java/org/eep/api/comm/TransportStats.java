package org.eep.api.comm;

/** Counters of one transport since it was created. */
public record TransportStats(
    long messagesSent,
    long bytesSent,
    long messagesDelivered,
    long droppedStaleEpoch,
    long droppedStaleIncarnation,
    long droppedDuplicate,
    long droppedMalformed) {

  /** Every message dropped by fencing (older epoch or stale incarnation). */
  public long fenced() {
    return droppedStaleEpoch + droppedStaleIncarnation;
  }
}
