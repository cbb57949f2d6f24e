package org.eep.api.comm;

/**
 * A receive was abandoned because a newer epoch was fenced in, or its sender already sent in a
 * newer one; the step must be re-run.
 */
public final class EpochChangedException extends TransportException {
  private static final long serialVersionUID = 1L;
  private final long newEpoch;

  public EpochChangedException(MessageKey key, long newEpoch) {
    super(key.sender(), "Receive of " + key + " abandoned: epoch " + newEpoch + " began");
    this.newEpoch = newEpoch;
  }

  public long newEpoch() {
    return newEpoch;
  }
}
