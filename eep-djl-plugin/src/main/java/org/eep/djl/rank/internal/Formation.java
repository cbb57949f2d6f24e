package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.eep.api.comm.EpochChangedException;
import org.eep.api.comm.Fence;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.ModelLayout;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.rank.RankSetup;
import org.eep.djl.rank.RankState;
import org.eep.djl.repair.Checkpoint;
import org.eep.djl.repair.RepairExecutor;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.step.StepWeights;
import org.eep.djl.wire.PlacementCodec;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.RepairPlan;
import org.eep.placement.repair.SourceCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a rank incarnation becomes ACTIVE, in two calls so that the rank can build its step (KV pool,
 * tables) between them: {@link #load} joins the slot, reads the dense weights, loads the expert
 * slots (at the instance's formation, from the checkpoint by the initial placement; on a rejoin, by
 * the plan computed from the placement the lowest active rank sends, mostly from peers) and warms
 * up; {@link #activate} connects, asks for activation and waits for the view that grants it, so
 * nothing is left to do when the other ranks' steps first include this one. Runs on the rank
 * thread; a kill or close interrupts its waits.
 */
final class Formation {
  private static final Logger LOG = LoggerFactory.getLogger(Formation.class);

  /** Liveness bound of each wait for the rest of the instance (other ranks may be loading). */
  private static final Duration PATIENCE = Duration.ofMinutes(10);

  private final RankContext ctx;
  private final RankSetup setup;
  private final ExpertStore store;
  private final Checkpoint checkpoint;
  private final RepairExecutor repairs;
  private final Connections connections;
  private final PlacementState placement;
  private final Duration stepTimeout;
  private boolean rejoin;

  Formation(
      RankContext ctx,
      ExpertStore store,
      Checkpoint checkpoint,
      RepairExecutor repairs,
      Connections connections,
      PlacementState placement) {
    this.ctx = requireNonNull(ctx, "ctx is null");
    this.setup = ctx.setup();
    this.store = requireNonNull(store, "store is null");
    this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
    this.repairs = requireNonNull(repairs, "repairs is null");
    this.connections = requireNonNull(connections, "connections is null");
    this.placement = requireNonNull(placement, "placement is null");
    this.stepTimeout = setup.config().getMillis(EepKeys.STEP_TIMEOUT_MS);
  }

  /**
   * Joins and loads; returns the dense weights, held in {@code manager}. {@code views} learns every
   * view from the join on.
   */
  StepWeights load(ViewApplier views, NDManager manager) throws InterruptedException {
    MembershipService membership = ctx.membership();
    int rank = ctx.rank();
    awaitSlotReleased(membership, rank);
    rejoin = membership.currentView().activeCount() > 0;
    ctx.joined(membership.join(rank, ctx.transport().address()));
    membership.subscribe(views::learn);
    LOG.info(
        "rank {} joined as incarnation {} ({})",
        rank,
        ctx.incarnation(),
        rejoin ? "rejoin" : "initial formation");
    checkpoint.file().requireAll(ModelLayout.all(setup.model()));
    StepWeights weights;
    try (NDManager load = manager.newSubManager()) {
      weights =
          StepWeights.of(
              setup.model(), DenseWeights.load(setup.model(), checkpoint.file(), load), manager);
    }
    if (rejoin) {
      rejoinLoad();
    } else {
      ExpertPlacement initial = initialPlacement();
      placement.set(initial);
      int[] mine = initial.expertsOn(rank);
      for (int s = 0; s < mine.length; s++) {
        if (mine[s] >= 0) {
          repairs.loadInitial(s, mine[s]);
        }
      }
    }
    warmUp(weights, manager);
    return weights;
  }

  /**
   * After {@link #load}: asks for activation and returns once this incarnation is ACTIVE (and, at
   * formation, every slot is).
   */
  void activate() throws InterruptedException {
    MembershipService membership = ctx.membership();
    int rank = ctx.rank();
    if (!rejoin) {
      connections.connectTo(awaitView(v -> v.slots().stream().allMatch(s -> s.state().isMember())));
    }
    try {
      membership.activate(rank, ctx.incarnation());
    } catch (MembershipException e) {
      // The handle's session was lost while it activated (a freeze, an overloaded machine): the
      // slot's eviction follows, and this process joins again then as a new incarnation.
      LOG.warn("rank {} could not activate: {}; waiting for its eviction", rank, e.getMessage());
      awaitView(v -> false);
      throw e;
    }
    MembershipView active =
        awaitView(
            v ->
                v.slot(rank).state() == SlotState.ACTIVE
                    && (rejoin || v.activeCount() == v.maxRanks()));
    if (!rejoin) {
      ctx.apply(active);
      placement.route(active);
      ctx.settled(active.epoch());
    }
    ctx.lifecycle().advance(RankState.FORMING, RankState.SERVING);
    LOG.info("rank {} active at {}", rank, active.summary());
  }

  /**
   * A process replacing a dead one (a hot spare, a restart) may be faster than the failure's
   * detection: while the slot is still a member, waits (up to five step timeouts) for the view that
   * releases it, then joins anyway, so a slot that stays held is refused with the membership's
   * error.
   */
  private void awaitSlotReleased(MembershipService membership, int rank)
      throws InterruptedException {
    Slot held = membership.currentView().slot(rank);
    if (!held.state().isMember()) {
      return;
    }
    LOG.info(
        "rank {}: slot is {} (incarnation {}); waiting for it to be released before joining",
        rank,
        held.state(),
        held.incarnation());
    try {
      membership.awaitView(v -> !v.slot(rank).state().isMember(), stepTimeout.multipliedBy(5));
    } catch (TimeoutException e) {
      LOG.warn("rank {}: slot still held after {}", rank, stepTimeout.multipliedBy(5));
    }
  }

  private ExpertPlacement initialPlacement() {
    int maxRanks = setup.config().getInt(EepKeys.MAX_RANKS);
    BitSet all = new BitSet();
    all.set(0, maxRanks);
    return setup
        .placementPolicy()
        .place(
            new PlacementRequest(
                setup.model().numExperts(),
                maxRanks,
                setup.slotsPerRank(),
                all,
                LoadSnapshot.uniform(setup.model().numExperts()),
                setup.config().getLong(EepKeys.SEED)));
  }

  /**
   * A returning rank: learns the placement from the lowest active rank, then loads its slots by the
   * rejoin plan.
   */
  private void rejoinLoad() throws InterruptedException {
    MoeConfig model = setup.model();
    SourceCatalog catalog =
        setup.hostBackup().isPresent() ? SourceCatalog.everywhere() : SourceCatalog.diskOnly();
    while (true) {
      MembershipView v = ctx.membership().currentView();
      ctx.transport().fence(Fence.of(v));
      connections.connectTo(v);
      int lowest = v.activeRanks().nextSetBit(0);
      try {
        MessageKey key = new MessageKey(lowest, v.epoch(), 0, 0, Phase.CONTROL, PlacementCodec.TAG);
        PlacementCodec.Decoded learned =
            PlacementCodec.decode(
                ctx.transport().receive(key, stepTimeout.multipliedBy(10)).payload(),
                setup.config().getInt(EepKeys.MAX_RANKS),
                setup.slotsPerRank(),
                model.numExperts());
        ExpertPlacement p = learned.placement();
        placement.set(p, learned.layers());
        RepairPlan plan =
            setup
                .planner()
                .planRejoin(p, v.activeRanks(), ctx.rank(), model.expertBytesAllLayers(), catalog);
        LOG.info(
            "rank {} rejoin plan at {}: {} loads, estimated {} s",
            ctx.rank(),
            v.summary(),
            plan.actions().size(),
            String.format("%.4f", plan.estimatedSeconds()));
        for (RepairAction a : plan.actions()) {
          repairs.execute(v.epoch(), a);
        }
        ctx.apply(v);
        return;
      } catch (EpochChangedException | ReceiveTimeoutException | PeerFailedException e) {
        LOG.info("rank {} rejoin restarts at a newer view: {}", ctx.rank(), e.getMessage());
        ctx.membership().awaitEpoch(v.epoch() + 1, stepTimeout);
      }
    }
  }

  /**
   * A row through the first layer's projections and every held expert, so the first real step runs
   * warm.
   */
  private void warmUp(StepWeights weights, NDManager manager) {
    MoeConfig model = setup.model();
    try (NDManager scratch = manager.newSubManager()) {
      NDArray x = scratch.zeros(new Shape(1, model.hiddenSize()));
      x.matMul(weights.layer(0).qkv());
      int[] held = new int[store.slots()];
      int n = 0;
      for (int s = 0; s < store.slots(); s++) {
        if (store.holds(s) >= 0) {
          held[n++] = s;
        }
      }
      if (n > 0) {
        store.compute(0, scratch.zeros(new Shape(n, model.hiddenSize())), Arrays.copyOf(held, n));
      }
    }
  }

  /**
   * The first view satisfying {@code condition}; fails if the instance FAILED first or nothing came
   * within {@link #PATIENCE}.
   */
  private MembershipView awaitView(Predicate<MembershipView> condition)
      throws InterruptedException {
    MembershipView v;
    try {
      v =
          ctx.membership()
              .awaitView(
                  x -> x.state() == InstanceState.FAILED || evicted(x) || condition.test(x),
                  PATIENCE);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "rank " + ctx.rank() + " was not activated within " + PATIENCE + ": " + e.getMessage(),
          e);
    }
    if (v.state() == InstanceState.FAILED) {
      throw new IllegalStateException(
          "instance FAILED while rank " + ctx.rank() + " was forming: " + v.cause());
    }
    if (evicted(v)) {
      // Frozen past its session (SIGSTOP, a long pause) while it formed: the views went on
      // without it, perhaps past the one that activated it. It rejoins as a new incarnation.
      LOG.warn(
          "rank {} incarnation {} was evicted while forming ({}); it must rejoin",
          ctx.rank(),
          ctx.incarnation(),
          v.summary());
      ctx.lifecycle().end(RankState.EVICTED);
      throw new RankStoppedException();
    }
    return v;
  }

  /** True once {@code v} no longer counts this incarnation as a member of its slot. */
  private boolean evicted(MembershipView v) {
    long mine = ctx.incarnation();
    Slot s = v.slot(ctx.rank());
    return mine > 0
        && (s.incarnation() > mine || (s.incarnation() == mine && !s.state().isMember()));
  }
}
