package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

/** What a receive waits for: exactly one message from {@code sender} with these coordinates. */
public record MessageKey(int sender, long epoch, long step, int layer, Phase phase, int tag) {
  public MessageKey {
    requireNonNull(phase, "phase is null");
  }

  @Override
  public String toString() {
    return phase
        + " from rank "
        + sender
        + " (epoch "
        + epoch
        + ", step "
        + step
        + ", layer "
        + layer
        + ", tag "
        + tag
        + ")";
  }
}
