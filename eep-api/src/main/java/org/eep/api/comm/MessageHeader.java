package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

/**
 * The fencing header every data-plane message carries: who sent it (rank and incarnation), in which
 * epoch, and where in the step protocol it belongs. Receivers drop messages from an older epoch or
 * a stale incarnation (see {@link Inbox}).
 */
public record MessageHeader(
    int sender, long incarnation, long epoch, long step, int layer, Phase phase, int tag) {
  public MessageHeader {
    requireNonNull(phase, "phase is null");
    if (sender < 0) {
      throw new IllegalArgumentException("sender < 0: " + sender);
    }
  }

  /** The key a receiver matches this message by. */
  public MessageKey key() {
    return new MessageKey(sender, epoch, step, layer, phase, tag);
  }
}
