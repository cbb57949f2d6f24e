package org.eep.placement;

import static java.util.Objects.requireNonNull;

import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;

/**
 * Physical slot sizing: {@code physicalSlots = logical + redundant}, rounded up to a multiple of
 * {@code maxRanks}, so every rank has the same number of slots. {@code auto} redundancy is the
 * smallest that keeps full coverage after any one rank fails: the survivors' slots must hold every
 * logical expert, {@code slotsPerRank = ceil(logical / (maxRanks - 1))} ({@code logical} for a
 * single rank, which cannot survive its own failure anyway).
 */
public final class Sizing {
  private Sizing() {}

  /** Slots per rank for an explicit redundancy. */
  public static int slotsPerRank(int logicalExperts, int maxRanks, int redundantExperts) {
    checkShape(logicalExperts, maxRanks);
    if (redundantExperts < 0) {
      throw new IllegalArgumentException("redundantExperts must be >= 0, got " + redundantExperts);
    }
    long wanted = (long) logicalExperts + redundantExperts;
    long perRank = ceilDiv(wanted, maxRanks);
    return checkedInt(perRank, maxRanks);
  }

  /** Slots per rank for {@code auto}: full coverage survives one rank failure. */
  public static int slotsPerRankAuto(int logicalExperts, int maxRanks) {
    checkShape(logicalExperts, maxRanks);
    return checkedInt(
        maxRanks == 1 ? logicalExperts : ceilDiv(logicalExperts, maxRanks - 1), maxRanks);
  }

  /** Slots per rank for {@code redundant}, either {@code "auto"} or a whole number >= 0. */
  public static int slotsPerRank(int logicalExperts, int maxRanks, String redundant) {
    requireNonNull(redundant, "redundant is null");
    String r = redundant.trim();
    if (r.equals("auto")) {
      return slotsPerRankAuto(logicalExperts, maxRanks);
    }
    int n;
    try {
      n = Integer.parseInt(r);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "redundant experts must be \"auto\" or a whole number >= 0, got '" + redundant + "'", e);
    }
    return slotsPerRank(logicalExperts, maxRanks, n);
  }

  /** Slots per rank from {@code eep_max_ranks} and {@code eep_redundant_experts}. */
  public static int slotsPerRank(EepConfig config, int logicalExperts) {
    requireNonNull(config, "config is null");
    int maxRanks = config.getInt(EepKeys.MAX_RANKS);
    return config.isAuto(EepKeys.REDUNDANT_EXPERTS)
        ? slotsPerRankAuto(logicalExperts, maxRanks)
        : slotsPerRank(logicalExperts, maxRanks, config.getInt(EepKeys.REDUNDANT_EXPERTS));
  }

  /** {@code maxRanks × slotsPerRank}. */
  public static int physicalSlots(int maxRanks, int slotsPerRank) {
    return Math.multiplyExact(maxRanks, slotsPerRank);
  }

  /** The redundancy a sizing actually provides: {@code maxRanks × slotsPerRank − logical}. */
  public static int redundantExperts(int logicalExperts, int maxRanks, int slotsPerRank) {
    return physicalSlots(maxRanks, slotsPerRank) - logicalExperts;
  }

  /**
   * True if the slots of any {@code maxRanks - failures} ranks can still hold every logical expert,
   * i.e. a repair after {@code failures} rank failures can restore full coverage.
   */
  public static boolean survives(int logicalExperts, int maxRanks, int slotsPerRank, int failures) {
    return failures < maxRanks && (long) (maxRanks - failures) * slotsPerRank >= logicalExperts;
  }

  private static void checkShape(int logicalExperts, int maxRanks) {
    if (logicalExperts <= 0) {
      throw new IllegalArgumentException("logicalExperts must be > 0, got " + logicalExperts);
    }
    if (maxRanks <= 0) {
      throw new IllegalArgumentException("maxRanks must be > 0, got " + maxRanks);
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static int checkedInt(long perRank, int maxRanks) {
    if (perRank * maxRanks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "too many physical slots: " + perRank + " per rank x " + maxRanks + " ranks");
    }
    return (int) perRank;
  }
}
