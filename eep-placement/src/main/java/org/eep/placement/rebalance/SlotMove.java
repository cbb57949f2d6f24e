package org.eep.placement.rebalance;

/**
 * One change of a rebalance: physical slot {@code physicalSlot} (on rank {@code targetRank}) stops
 * holding {@code fromExpert} (-1: it was empty) and holds {@code toExpert} after the switch. Its
 * weights are staged on the target rank before the switch.
 */
public record SlotMove(int physicalSlot, int targetRank, int fromExpert, int toExpert) {
  public SlotMove {
    if (physicalSlot < 0 || targetRank < 0 || toExpert < 0 || fromExpert < -1) {
      throw new IllegalArgumentException(
          "invalid move of slot " + physicalSlot + " from " + fromExpert + " to " + toExpert);
    }
    if (fromExpert == toExpert) {
      throw new IllegalArgumentException("slot " + physicalSlot + " already holds " + toExpert);
    }
  }
}
