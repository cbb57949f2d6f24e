package org.eep.api.placement;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;

/**
 * Everything a placement depends on: the shape (experts, ranks, slots per rank), which ranks can
 * hold experts, the load snapshot and the seed. Two equal requests must give equal placements.
 */
public record PlacementRequest(
    int logicalExperts,
    int maxRanks,
    int slotsPerRank,
    BitSet usableRanks,
    LoadSnapshot load,
    long seed) {
  public PlacementRequest {
    requireNonNull(usableRanks, "usableRanks is null");
    requireNonNull(load, "load is null");
    usableRanks = (BitSet) usableRanks.clone();
    if (load.tokensPerExpert().length != logicalExperts) {
      throw new IllegalArgumentException(
          "load has " + load.tokensPerExpert().length + " experts, expected " + logicalExperts);
    }
    if (usableRanks.isEmpty() || usableRanks.length() > maxRanks) {
      throw new IllegalArgumentException(
          "usable ranks must be a non-empty subset of [0, " + maxRanks + ")");
    }
  }

  @Override
  public BitSet usableRanks() {
    return (BitSet) usableRanks.clone();
  }
}
