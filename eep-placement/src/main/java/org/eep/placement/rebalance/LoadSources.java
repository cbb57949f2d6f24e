package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import org.eep.placement.repair.TierBandwidths;

/**
 * Where each load of one rebalance plan comes from; counts the peer copies it hands each rank, so
 * one instance serves one plan. Pure; not thread-safe.
 */
final class LoadSources {
  private final TierBandwidths bandwidths;
  private final SourceCatalog catalog;
  private final int[] sends;

  LoadSources(TierBandwidths bandwidths, SourceCatalog catalog, int maxRanks) {
    this.bandwidths = requireNonNull(bandwidths, "bandwidths is null");
    this.catalog = requireNonNull(catalog, "catalog is null");
    this.sends = new int[maxRanks];
  }

  /**
   * Where a load comes from: the fastest tier that has it (ties: peer, host, disk); a peer copy
   * from the active rank, other than the target, that holds the expert in that layer now and has
   * sent the fewest so far (ties: lower rank, then lower slot).
   */
  SlotLoad source(
      int layer,
      int slot,
      int target,
      int expert,
      ExpertPlacement current,
      LayerMap map,
      BitSet active) {
    int spr = current.slotsPerRank();
    int peer = -1;
    int peerSlot = -1;
    if (bandwidths.has(Tier.PEER)) {
      for (int q : current.replicas(map.columnOf(layer, expert))) {
        int r = q / spr;
        if (r != target && active.get(r) && (peer < 0 || sends[r] < sends[peer])) {
          peer = r;
          peerSlot = q;
        }
      }
    }
    double best = 0;
    Tier tier = null;
    for (Tier t : Tier.values()) {
      boolean has =
          switch (t) {
            case PEER -> peer >= 0;
            case HOST -> catalog.hostHas(target, expert);
            case DISK -> catalog.diskHas(target, expert);
          };
      if (has && bandwidths.of(t) > best) {
        best = bandwidths.of(t);
        tier = t;
      }
    }
    if (tier == null) {
      tier = Tier.DISK; // no tier with a bandwidth: the checkpoint is always there
    }
    if (tier != Tier.PEER) {
      return new SlotLoad(layer, slot, target, expert, tier, -1, -1);
    }
    sends[peer]++;
    return new SlotLoad(layer, slot, target, expert, Tier.PEER, peer, peerSlot);
  }
}
