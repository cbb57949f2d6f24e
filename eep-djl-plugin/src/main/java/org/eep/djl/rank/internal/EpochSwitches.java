package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.repair.WeightStager;
import org.eep.djl.step.ExpertStore;
import org.eep.placement.rebalance.RebalancePlan;
import org.eep.placement.rebalance.SlotMove;

/**
 * The rebalances switched in the current epoch, kept revertible until it ends: the placement and
 * layer map the epoch began with, and the contents every switched (layer, slot) had before its
 * first switch (at most one copy of each, so at most one copy of the rank's experts). Used by the
 * rank thread.
 */
final class EpochSwitches {
  private final int rank;
  private final ExpertStore store;
  private final PlacementState placement;
  private final Map<LayerSlot, Retained> retained = new LinkedHashMap<>();
  private final Map<Integer, Integer> heldBefore = new HashMap<>();
  private final List<WeightStager.Job> kept = new ArrayList<>();
  private ExpertPlacement base;
  private LayerMap baseLayers;

  /** One layer of one local slot. */
  private record LayerSlot(int layer, int slot) {}

  /** A (layer, slot)'s contents before its first switch of the epoch (in a kept staging job). */
  private record Retained(NDArray gateUp, NDArray down) {}

  EpochSwitches(int rank, ExpertStore store, PlacementState placement) {
    this.rank = rank;
    this.store = requireNonNull(store, "store is null");
    this.placement = requireNonNull(placement, "placement is null");
  }

  /**
   * Writes {@code plan}'s staged loads into the slots in place, records the columns of moved slots,
   * and switches the placement, layer map and routing tables of {@code view}; returns the bytes
   * written.
   */
  long apply(RebalancePlan plan, WeightStager.Job job, MembershipView view) {
    if (base == null) {
      base = plan.before();
      baseLayers = plan.mapBefore();
    }
    int spr = store.slots();
    long bytes = 0;
    boolean keeps = false;
    for (WeightStager.Staged s : job.staged()) {
      int slot = s.load().physicalSlot() % spr;
      LayerSlot at = new LayerSlot(s.load().layer(), slot);
      if (retained.containsKey(at)) {
        s.oldGateUp().close(); // switched before in this epoch: its first contents are kept
        s.oldDown().close();
      } else {
        retained.put(at, new Retained(s.oldGateUp(), s.oldDown()));
        keeps = true;
      }
      store.writeSlot(s.load().layer(), slot, s.gateUp(), s.down());
      bytes += (s.gateUp().size() + s.down().size()) * Float.BYTES;
      s.gateUp().close();
      s.down().close();
    }
    if (keeps) {
      kept.add(job);
    } else {
      job.close();
    }
    for (SlotMove m : plan.moves()) {
      if (m.targetRank() == rank) {
        heldBefore.putIfAbsent(m.physicalSlot() % spr, m.fromExpert());
        store.setHolds(m.physicalSlot() % spr, m.toExpert());
      }
    }
    placement.set(plan.after(), plan.mapAfter());
    placement.route(view);
    return bytes;
  }

  /**
   * Returns to the placement, layer map and slot contents the epoch began with; the number of
   * (layer, slot)s written back, or -1 if nothing had switched.
   */
  int revert() {
    if (base == null) {
      return -1;
    }
    int n = retained.size();
    retained.forEach((at, r) -> store.writeSlot(at.layer(), at.slot(), r.gateUp(), r.down()));
    heldBefore.forEach(store::setHolds);
    placement.set(base, baseLayers);
    forget();
    return n;
  }

  /** A new epoch begins: what is switched now stays. */
  void forget() {
    retained.clear();
    heldBefore.clear();
    kept.forEach(WeightStager.Job::close);
    kept.clear();
    base = null;
    baseLayers = null;
  }
}
