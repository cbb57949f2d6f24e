package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Optional;
import java.util.function.Supplier;
import org.eep.api.placement.LayerMap;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.SafetensorsFile;
import org.eep.djl.model.TensorNames;
import org.eep.djl.step.ExpertStore;
import org.eep.placement.repair.RepairAction;

/**
 * The checkpoint tier: reads the expert's tensors from {@code model.safetensors}, keeping a host
 * copy when there is a backup.
 */
final class DiskWeights implements WeightSource {
  private final MoeConfig model;
  private final ExpertStore store;
  private final Checkpoint checkpoint;
  private final Optional<HostBackup> backup;
  private final Supplier<LayerMap> layers;
  private final NDManager manager;

  DiskWeights(
      MoeConfig model,
      ExpertStore store,
      Checkpoint checkpoint,
      Optional<HostBackup> backup,
      Supplier<LayerMap> layers,
      NDManager manager) {
    this.model = requireNonNull(model, "model is null");
    this.store = requireNonNull(store, "store is null");
    this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
    this.backup = requireNonNull(backup, "backup is null");
    this.layers = requireNonNull(layers, "layers is null");
    this.manager = requireNonNull(manager, "manager is null");
  }

  @Override
  public void load(long epoch, RepairAction action, int slot) {
    load(action.expert(), slot);
  }

  /** Loads every layer of column {@code column} into local slot {@code slot}. */
  void load(int column, int slot) {
    SafetensorsFile file = checkpoint.file();
    LayerMap map = layers.get();
    for (int l = 0; l < model.numLayers(); l++) {
      int expert = map.logicalOf(l, column);
      try (NDManager scratch = manager.newSubManager()) {
        NDArray[] p = new NDArray[3];
        for (int i = 0; i < 3; i++) {
          p[i] =
              file.read(scratch, TensorNames.expert(l, expert, TensorNames.EXPERT_PROJECTIONS[i]));
        }
        store.write(l, slot, p[0], p[1], p[2]);
        int layer = l;
        backup.ifPresent(
            b ->
                b.put(
                    layer,
                    expert,
                    new float[][] {p[0].toFloatArray(), p[1].toFloatArray(), p[2].toFloatArray()}));
      }
    }
    store.setHolds(slot, column);
  }
}
