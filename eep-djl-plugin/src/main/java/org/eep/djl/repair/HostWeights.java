package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import org.eep.djl.model.MoeConfig;
import org.eep.djl.step.ExpertStore;
import org.eep.placement.repair.RepairAction;

/** The host-memory tier: copies the expert from this node's {@link HostBackup}. */
final class HostWeights implements WeightSource {
  private final MoeConfig model;
  private final ExpertStore store;
  private final HostBackup backup;

  HostWeights(MoeConfig model, ExpertStore store, HostBackup backup) {
    this.model = requireNonNull(model, "model is null");
    this.store = requireNonNull(store, "store is null");
    this.backup = requireNonNull(backup, "backup is null");
  }

  @Override
  public void load(long epoch, RepairAction action, int slot) {
    for (int l = 0; l < model.numLayers(); l++) {
      float[][] w = backup.get(l, action.expert());
      if (w == null) {
        throw new IllegalStateException(
            "host backup lacks expert " + action.expert() + " layer " + l);
      }
      store.write(l, slot, w);
    }
    store.setHolds(slot, action.expert());
  }
}
