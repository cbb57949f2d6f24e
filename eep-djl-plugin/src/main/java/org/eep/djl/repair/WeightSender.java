package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.util.function.Supplier;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.wire.PlacementCodec;
import org.eep.placement.repair.RepairAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of the peer tier: copies an expert this rank holds to the target of a repair
 * action, one WEIGHTS message per layer, and tells a joining rank the placement. A send that fails
 * is logged and left to the membership (the target or this link is failing). Runs on the rank
 * thread.
 */
public final class WeightSender {
  private static final Logger LOG = LoggerFactory.getLogger(WeightSender.class);

  private final int rank;
  private final int slotsPerRank;
  private final ExpertStore store;
  private final Transport transport;
  private final Supplier<Long> incarnation;
  private final NDManager manager;

  public WeightSender(
      int rank,
      int slotsPerRank,
      ExpertStore store,
      Transport transport,
      Supplier<Long> incarnation,
      NDManager manager) {
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.store = requireNonNull(store, "store is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.incarnation = requireNonNull(incarnation, "incarnation is null");
    this.manager = requireNonNull(manager, "manager is null");
  }

  /**
   * Sends the expert of {@code action} (sourced from this rank) to its target, for the repair of
   * {@code epoch}.
   */
  public void send(long epoch, RepairAction action) {
    int local = store.slotOf(action.expert());
    if (local < 0) {
      LOG.warn("rank {} was asked to send expert {} it does not hold", rank, action.expert());
      return;
    }
    int targetSlot = action.physicalSlot() % slotsPerRank;
    for (int l = 0; l < store.config().numLayers(); l++) {
      try (NDManager scratch = manager.newSubManager()) {
        transport.send(
            action.targetRank(),
            new MessageHeader(rank, incarnation.get(), epoch, 0, l, Phase.WEIGHTS, targetSlot),
            store.slotBytes(l, local, scratch));
      } catch (TransportException e) {
        LOG.warn(
            "rank {} could not send weights to rank {}: {}",
            rank,
            action.targetRank(),
            e.getMessage());
        return;
      }
    }
  }

  /** Tells {@code joiner} the current placement, for the rejoin of {@code epoch}. */
  public void sendPlacement(long epoch, int joiner, ExpertPlacement placement, LayerMap layers) {
    try {
      transport.send(
          joiner,
          new MessageHeader(
              rank, incarnation.get(), epoch, 0, 0, Phase.CONTROL, PlacementCodec.TAG),
          PlacementCodec.encode(placement, layers));
    } catch (TransportException e) {
      LOG.warn(
          "rank {} could not send the placement to joining rank {}: {}",
          rank,
          joiner,
          e.getMessage());
    }
  }
}
