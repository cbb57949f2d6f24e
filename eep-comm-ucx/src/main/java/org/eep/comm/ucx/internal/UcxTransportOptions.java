package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link UcxTransport} is opened with: the rank it serves, the instance's slot count, the
 * host its listener binds to, and how long its progress thread polls before sleeping.
 */
public record UcxTransportOptions(int rank, int maxRanks, String host, long spinNanos) {
  public UcxTransportOptions {
    requireNonNull(host, "host is null");
    if (maxRanks < 1) {
      throw new IllegalArgumentException("maxRanks < 1: " + maxRanks);
    }
    if (rank < 0 || rank >= maxRanks) {
      throw new IllegalArgumentException("rank " + rank + " outside [0, " + maxRanks + ")");
    }
    if (spinNanos < 0) {
      throw new IllegalArgumentException("spinNanos < 0: " + spinNanos);
    }
  }
}
