package org.eep.placement.repair;

import static java.util.Objects.requireNonNull;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes per second each repair {@link Tier} delivers into one target rank. {@code 0} means the tier
 * is absent (never used). Immutable.
 */
public record TierBandwidths(
    double peerBytesPerSec, double hostBytesPerSec, double diskBytesPerSec) {
  /** Bytes in one GB as used by bandwidth specs (decimal, like link speeds). */
  public static final double GB = 1e9;

  public TierBandwidths {
    check("peer", peerBytesPerSec);
    check("host", hostBytesPerSec);
    check("disk", diskBytesPerSec);
  }

  private static void check(String tier, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(tier + " bandwidth must be finite and >= 0, got " + v);
    }
  }

  /** Bandwidths given in GB/s (10^9 bytes per second). */
  public static TierBandwidths ofGBps(double peer, double host, double disk) {
    return new TierBandwidths(peer * GB, host * GB, disk * GB);
  }

  /**
   * Parses the {@code eep_tier_bandwidth} form {@code peer=10,host=20,disk=2} (GB/s). A tier left
   * out is absent (0). {@code auto} is not a bandwidth: the runtime measures those and must not
   * call this with it.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  public static TierBandwidths parseGBps(String spec) {
    requireNonNull(spec, "spec is null");
    if (spec.isBlank() || spec.trim().equals("auto")) {
      throw new IllegalArgumentException(
          "tier bandwidths must look like peer=10,host=20,disk=2 (GB/s), got '" + spec + "'");
    }
    Map<Tier, Double> values = new EnumMap<>(Tier.class);
    for (String part : spec.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "tier bandwidth entry '"
                + part.trim()
                + "' is not tier=GB/s (tiers: peer, host, disk)");
      }
      Tier tier;
      try {
        tier = Tier.valueOf(kv[0].trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown tier '" + kv[0].trim() + "' in '" + spec + "' (tiers: peer, host, disk)", e);
      }
      double v;
      try {
        v = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "bandwidth of " + kv[0].trim() + " is not a number: '" + kv[1].trim() + "'", e);
      }
      if (values.put(tier, v) != null) {
        throw new IllegalArgumentException(
            "tier " + kv[0].trim() + " given twice in '" + spec + "'");
      }
    }
    return ofGBps(
        values.getOrDefault(Tier.PEER, 0.0),
        values.getOrDefault(Tier.HOST, 0.0),
        values.getOrDefault(Tier.DISK, 0.0));
  }

  /** Bytes per second of {@code tier}; 0 if absent. */
  public double of(Tier tier) {
    return switch (tier) {
      case PEER -> peerBytesPerSec;
      case HOST -> hostBytesPerSec;
      case DISK -> diskBytesPerSec;
    };
  }

  /** True if {@code tier} can be used at all. */
  public boolean has(Tier tier) {
    return of(tier) > 0;
  }

  /** A copy with {@code tier} absent; the simulator uses this to project each tier on its own. */
  public TierBandwidths without(Tier tier) {
    return new TierBandwidths(
        tier == Tier.PEER ? 0 : peerBytesPerSec,
        tier == Tier.HOST ? 0 : hostBytesPerSec,
        tier == Tier.DISK ? 0 : diskBytesPerSec);
  }

  /** A copy in which only {@code tier} is present. */
  public TierBandwidths only(Tier tier) {
    return new TierBandwidths(
        tier == Tier.PEER ? peerBytesPerSec : 0,
        tier == Tier.HOST ? hostBytesPerSec : 0,
        tier == Tier.DISK ? diskBytesPerSec : 0);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "peer=%s,host=%s,disk=%s",
        gb(peerBytesPerSec),
        gb(hostBytesPerSec),
        gb(diskBytesPerSec));
  }

  private static String gb(double bytesPerSec) {
    double g = bytesPerSec / GB;
    return g == Math.rint(g) ? Long.toString((long) g) : Double.toString(g);
  }
}
