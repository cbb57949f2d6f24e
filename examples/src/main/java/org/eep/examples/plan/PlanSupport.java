package org.eep.examples.plan;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eep.api.placement.ExpertPlacement;
import org.eep.placement.repair.PeerBandwidth;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.TierBandwidths;

/**
 * Shared pieces of {@code eep bench plan} and {@code eep simulate}: loads, fabrics, host backups.
 */
final class PlanSupport {
  private PlanSupport() {}

  /** DeepSeek-V3 MoE shape. */
  static final int DSV3_HIDDEN = 7168;

  static final int DSV3_MOE_INTERMEDIATE = 2048;
  static final int DSV3_ROUTED_EXPERTS = 256;
  static final int DSV3_MOE_LAYERS = 58;
  static final int DSV3_REDUNDANT = 32;

  /** Bytes of one SwiGLU expert of one layer: gate, up and down projections. */
  static long expertBytesPerLayer(int hidden, int intermediate, double bytesPerParam) {
    return (long) Math.ceil(3.0 * hidden * intermediate * bytesPerParam);
  }

  static BitSet allRanks(int n) {
    BitSet b = new BitSet(n);
    b.set(0, n);
    return b;
  }

  /**
   * A fabric: NVLink (or another scale-up link) inside a node, RDMA across nodes, PCIe to host
   * memory, disk; GB/s, 0 = absent.
   */
  record Fabric(double nvlink, double rdma, double pcie, double disk, int ranksPerNode) {
    static Fabric parse(String spec, int ranksPerNode) {
      Map<String, Double> v = new LinkedHashMap<>();
      for (String part : spec.split(",")) {
        String[] kv = part.split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException(
              "bandwidth entry '"
                  + part.trim()
                  + "' is not name=GB/s (names: nvlink, rdma, pcie, disk)");
        }
        String name = kv[0].trim().toLowerCase(Locale.ROOT);
        if (!Map.of("nvlink", 0, "rdma", 0, "pcie", 0, "disk", 0).containsKey(name)) {
          throw new IllegalArgumentException(
              "unknown link '" + name + "' (names: nvlink, rdma, pcie, disk)");
        }
        double gb;
        try {
          gb = Double.parseDouble(kv[1].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "bandwidth of " + name + " is not a number: '" + kv[1].trim() + "'", e);
        }
        if (!(gb >= 0) || Double.isInfinite(gb)) {
          throw new IllegalArgumentException("bandwidth of " + name + " must be >= 0");
        }
        v.put(name, gb);
      }
      return new Fabric(
          v.getOrDefault("nvlink", 0.0),
          v.getOrDefault("rdma", 0.0),
          v.getOrDefault("pcie", 0.0),
          v.getOrDefault("disk", 0.0),
          ranksPerNode);
    }

    /** PEER = the faster of NVLink/RDMA available for a pair, HOST = PCIe, DISK = disk. */
    TierBandwidths tiers() {
      return TierBandwidths.ofGBps(Math.max(nvlink, rdma), pcie, disk);
    }

    PeerBandwidth peers() {
      return PeerBandwidth.nodes(
          ranksPerNode, nvlink * TierBandwidths.GB, rdma * TierBandwidths.GB);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "nvlink=%s,rdma=%s,pcie=%s,disk=%s GB/s",
          fmt(nvlink),
          fmt(rdma),
          fmt(pcie),
          fmt(disk));
    }
  }

  /** Where host-memory backups live. */
  enum HostBackup {
    /** Each node keeps, in host memory, a copy of every expert its ranks held at placement time. */
    NODE,
    /** Every node keeps every expert in host memory. */
    ALL,
    /** No host backups. */
    NONE
  }

  /**
   * Host backups as {@code backup} says (from {@code placed}), the checkpoint readable by every
   * rank.
   */
  static SourceCatalog catalog(ExpertPlacement placed, int ranksPerNode, HostBackup backup) {
    int nodes = (placed.maxRanks() + ranksPerNode - 1) / ranksPerNode;
    BitSet[] nodeHas = new BitSet[nodes];
    for (int n = 0; n < nodes; n++) {
      nodeHas[n] = new BitSet(placed.logicalExperts());
    }
    for (int p = 0; p < placed.physicalSlots(); p++) {
      int e = placed.logicalOf(p);
      if (e >= 0) {
        nodeHas[placed.rankOf(p) / ranksPerNode].set(e);
      }
    }
    return new SourceCatalog() {
      @Override
      public boolean hostHas(int rank, int expert) {
        return switch (backup) {
          case ALL -> true;
          case NONE -> false;
          case NODE -> nodeHas[rank / ranksPerNode].get(expert);
        };
      }

      @Override
      public boolean diskHas(int rank, int expert) {
        return true;
      }
    };
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  static String gb(long bytes) {
    return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
  }

  static String seconds(double s) {
    return s >= 10
        ? String.format(Locale.ROOT, "%.1f s", s)
        : s >= 0.1
            ? String.format(Locale.ROOT, "%.2f s", s)
            : String.format(Locale.ROOT, "%.1f ms", s * 1000);
  }
}
