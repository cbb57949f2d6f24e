package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import org.eep.placement.repair.Tier;

/**
 * One weight load of a rebalance: after the switch, physical slot {@code physicalSlot} (on rank
 * {@code targetRank}) holds logical expert {@code expert} in layer {@code layer}. Staged on the
 * target rank before the switch from {@code source}: for {@link Tier#PEER}, physical slot {@code
 * sourceSlot} of rank {@code sourceRank} holds it in that layer now (both -1 otherwise).
 */
public record SlotLoad(
    int layer,
    int physicalSlot,
    int targetRank,
    int expert,
    Tier source,
    int sourceRank,
    int sourceSlot) {
  public SlotLoad {
    requireNonNull(source, "source is null");
    if (layer < 0 || physicalSlot < 0 || targetRank < 0 || expert < 0) {
      throw new IllegalArgumentException(
          "invalid load of expert " + expert + " into slot " + physicalSlot + " layer " + layer);
    }
    if ((source == Tier.PEER) != (sourceRank >= 0 && sourceSlot >= 0)) {
      throw new IllegalArgumentException(
          "a source rank and slot are given exactly for PEER, got " + source + " " + sourceRank);
    }
  }
}
