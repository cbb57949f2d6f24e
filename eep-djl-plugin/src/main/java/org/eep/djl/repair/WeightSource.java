package org.eep.djl.repair;

import org.eep.placement.repair.RepairAction;

/**
 * Where a repair reads an expert's weights from: one implementation per {@link
 * org.eep.placement.repair.Tier} (a peer's copy, this node's host backup, the checkpoint). Called
 * on the rank thread by {@link RepairExecutor}.
 */
interface WeightSource {

  /**
   * Writes every layer of {@code action.expert()} into local slot {@code slot}, for a repair of
   * {@code epoch}.
   */
  void load(long epoch, RepairAction action, int slot) throws InterruptedException;
}
