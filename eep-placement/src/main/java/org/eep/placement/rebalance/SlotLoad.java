package org.eep.placement.rebalance;

/**
 * One weight load of a rebalance: after the switch, physical slot {@code physicalSlot} (on rank
 * {@code targetRank}) holds logical expert {@code expert} in layer {@code layer}. Staged on the
 * target rank before the switch.
 */
public record SlotLoad(int layer, int physicalSlot, int targetRank, int expert) {
  public SlotLoad {
    if (layer < 0 || physicalSlot < 0 || targetRank < 0 || expert < 0) {
      throw new IllegalArgumentException(
          "invalid load of expert " + expert + " into slot " + physicalSlot + " layer " + layer);
    }
  }
}
