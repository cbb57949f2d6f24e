package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;
import org.eep.api.placement.LayerMap;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.step.ExpertStore;
import org.eep.placement.repair.RepairAction;

/**
 * The host-memory tier: copies the column's expert of every layer from this node's {@link
 * HostBackup}.
 */
final class HostWeights implements WeightSource {
  private final MoeConfig model;
  private final ExpertStore store;
  private final HostBackup backup;
  private final Supplier<LayerMap> layers;

  HostWeights(MoeConfig model, ExpertStore store, HostBackup backup, Supplier<LayerMap> layers) {
    this.model = requireNonNull(model, "model is null");
    this.store = requireNonNull(store, "store is null");
    this.backup = requireNonNull(backup, "backup is null");
    this.layers = requireNonNull(layers, "layers is null");
  }

  @Override
  public void load(long epoch, RepairAction action, int slot) {
    LayerMap map = layers.get();
    for (int l = 0; l < model.numLayers(); l++) {
      int expert = map.logicalOf(l, action.expert());
      float[][] w = backup.get(l, expert);
      if (w == null) {
        throw new IllegalStateException("host backup lacks expert " + expert + " layer " + l);
      }
      store.write(l, slot, w);
    }
    store.setHolds(slot, action.expert());
  }
}
