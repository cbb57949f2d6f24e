package org.eep.api.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Which logical expert each physical expert slot holds. {@code physicalSlots = maxRanks ×
 * slotsPerRank}; physical slot {@code p} lives on rank {@code p / slotsPerRank}; {@code -1} marks a
 * slot that holds nothing. Immutable; equal placements compare equal. Every rank computes the same
 * placement from the same inputs, so placements are never sent over the wire.
 */
public final class ExpertPlacement {
  private final int maxRanks;
  private final int slotsPerRank;
  private final int logicalExperts;
  private final int[] physicalToLogical;
  private final int[][] replicas;

  public ExpertPlacement(
      int maxRanks, int slotsPerRank, int logicalExperts, int[] physicalToLogical) {
    if (maxRanks <= 0 || slotsPerRank <= 0 || logicalExperts <= 0) {
      throw new IllegalArgumentException("maxRanks, slotsPerRank and logicalExperts must be > 0");
    }
    if (physicalToLogical.length != maxRanks * slotsPerRank) {
      throw new IllegalArgumentException(
          "expected "
              + maxRanks * slotsPerRank
              + " physical slots, got "
              + physicalToLogical.length);
    }
    this.maxRanks = maxRanks;
    this.slotsPerRank = slotsPerRank;
    this.logicalExperts = logicalExperts;
    this.physicalToLogical = physicalToLogical.clone();
    List<List<Integer>> byExpert = new ArrayList<>();
    for (int e = 0; e < logicalExperts; e++) {
      byExpert.add(new ArrayList<>());
    }
    for (int p = 0; p < this.physicalToLogical.length; p++) {
      int e = this.physicalToLogical[p];
      if (e < -1 || e >= logicalExperts) {
        throw new IllegalArgumentException(
            "physical slot " + p + " holds expert " + e + " outside [-1, " + logicalExperts + ")");
      }
      if (e >= 0) {
        byExpert.get(e).add(p);
      }
    }
    replicas =
        byExpert.stream()
            .map(l -> l.stream().mapToInt(Integer::intValue).toArray())
            .toArray(int[][]::new);
  }

  public int maxRanks() {
    return maxRanks;
  }

  public int slotsPerRank() {
    return slotsPerRank;
  }

  public int logicalExperts() {
    return logicalExperts;
  }

  public int physicalSlots() {
    return physicalToLogical.length;
  }

  /** The logical expert in physical slot {@code p}, or -1. */
  public int logicalOf(int p) {
    return physicalToLogical[p];
  }

  public int rankOf(int physicalSlot) {
    return physicalSlot / slotsPerRank;
  }

  /** Physical slots holding {@code expert}, ascending. */
  public int[] replicas(int expert) {
    return replicas[expert].clone();
  }

  public int replicaCount(int expert) {
    return replicas[expert].length;
  }

  /** Replicas of {@code expert} on the {@code active} ranks. */
  public int activeReplicaCount(int expert, BitSet active) {
    int n = 0;
    for (int p : replicas[expert]) {
      if (active.get(rankOf(p))) {
        n++;
      }
    }
    return n;
  }

  /** The largest replica count of any expert. */
  public int maxReplicas() {
    return Arrays.stream(replicas).mapToInt(r -> r.length).max().orElse(0);
  }

  /** Logical experts held by {@code rank}'s slots, in slot order (-1 for an empty slot). */
  public int[] expertsOn(int rank) {
    return Arrays.copyOfRange(physicalToLogical, rank * slotsPerRank, (rank + 1) * slotsPerRank);
  }

  /** A copy of the whole physical → logical map. */
  public int[] physicalToLogical() {
    return physicalToLogical.clone();
  }

  /** A placement equal to this one but with physical slot {@code p} holding {@code expert}. */
  public ExpertPlacement withSlot(int p, int expert) {
    int[] copy = physicalToLogical.clone();
    copy[p] = expert;
    return new ExpertPlacement(maxRanks, slotsPerRank, logicalExperts, copy);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpertPlacement x
        && x.maxRanks == maxRanks
        && x.slotsPerRank == slotsPerRank
        && x.logicalExperts == logicalExperts
        && Arrays.equals(x.physicalToLogical, physicalToLogical);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(physicalToLogical) * 31 + maxRanks;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ExpertPlacement[");
    for (int r = 0; r < maxRanks; r++) {
      sb.append(r == 0 ? "" : " | ")
          .append("r")
          .append(r)
          .append(':')
          .append(Arrays.toString(expertsOn(r)));
    }
    return sb.append(']').toString();
  }
}
