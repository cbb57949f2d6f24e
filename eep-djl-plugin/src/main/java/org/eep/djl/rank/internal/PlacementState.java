package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.step.RoutingTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placement this rank serves by (expert columns on slots, and which logical expert each column
 * is in each layer) and the routing tables derived from it and the applied view: the one place
 * where they change together. Changed on the rank thread; the uncovered experts may be read from
 * any thread.
 */
final class PlacementState {
  private static final Logger LOG = LoggerFactory.getLogger(PlacementState.class);

  private final int rank;
  private final RoutingTable routing;
  private volatile ExpertPlacement placement;
  private volatile LayerMap layers;
  private volatile int[] uncovered = new int[0];

  PlacementState(int rank, RoutingTable routing, LayerMap identity) {
    this.rank = rank;
    this.routing = requireNonNull(routing, "routing is null");
    this.layers = requireNonNull(identity, "identity is null");
  }

  /** The placement, or null before formation decided it. */
  ExpertPlacement placement() {
    return placement;
  }

  /** Which logical expert each column of the placement is in each layer. Any thread. */
  LayerMap layers() {
    return layers;
  }

  /** A new placement of the columns, the layer map unchanged. */
  void set(ExpertPlacement next) {
    placement = requireNonNull(next, "next is null");
  }

  /** A new placement and layer map, together. */
  void set(ExpertPlacement next, LayerMap map) {
    layers = requireNonNull(map, "map is null");
    placement = requireNonNull(next, "next is null");
  }

  /**
   * Updates the routing tables in place for the placement masked by {@code view} (nothing before a
   * placement is known).
   */
  void route(MembershipView view) {
    if (placement == null) {
      return;
    }
    routing.update(placement, layers, view);
    uncovered = routing.uncovered();
    if (uncovered.length > 0) {
      LOG.warn(
          "rank {} at {}: logical experts {} have no replica on an active rank",
          rank,
          view.summary(),
          Arrays.toString(uncovered));
    }
  }

  int[] uncovered() {
    return uncovered.clone();
  }

  RoutingTable routing() {
    return routing;
  }
}
