package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.wire.WeightsCodec;
import org.eep.placement.repair.RepairAction;

/**
 * The peer tier: receives the expert layer by layer from the rank the plan names ({@link
 * WeightSender} on its side).
 */
final class PeerWeights implements WeightSource {
  private final MoeConfig model;
  private final ExpertStore store;
  private final Transport transport;
  private final Duration timeout;
  private final NDManager manager;

  PeerWeights(
      MoeConfig model,
      ExpertStore store,
      Transport transport,
      Duration timeout,
      NDManager manager) {
    this.model = requireNonNull(model, "model is null");
    this.store = requireNonNull(store, "store is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.timeout = requireNonNull(timeout, "timeout is null");
    this.manager = requireNonNull(manager, "manager is null");
  }

  @Override
  public void load(long epoch, RepairAction action, int slot) throws InterruptedException {
    for (int l = 0; l < model.numLayers(); l++) {
      MessageKey key = new MessageKey(action.sourceRank(), epoch, 0, l, Phase.WEIGHTS, slot);
      try (NDManager scratch = manager.newSubManager()) {
        NDArray[] w =
            WeightsCodec.decode(
                transport.receive(key, timeout).payload(),
                model.hiddenSize(),
                model.moeIntermediateSize(),
                scratch);
        store.writeSlot(l, slot, w[0], w[1]);
      }
    }
    store.setHolds(slot, action.expert());
  }
}
