package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipView;
import org.eep.djl.rank.RankSetup;
import org.eep.djl.rank.RankStats;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.rank.RebalanceEvent.Kind;
import org.eep.djl.repair.WeightStager;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.step.LoadWindow;
import org.eep.djl.step.StepControl;
import org.eep.djl.wire.ControlCodec;
import org.eep.djl.wire.ControlCodec.Word;
import org.eep.placement.rebalance.RebalancePlan;
import org.eep.placement.rebalance.RebalancePlanner;
import org.eep.placement.repair.SourceCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live rebalancing, decided step by step from words every active rank sends with each step's first
 * exchange ({@link StepControl}), so that every rank that completes step {@code s} decides the same
 * from the same words:
 *
 * <ol>
 *   <li><b>Snapshot</b> at step {@code s} when {@code s} is a multiple of {@code
 *       eep_rebalance_interval_steps}, or some rank wanted one in step {@code s - 1} (on demand, or
 *       after a view change that changed the active ranks), and no rebalance is under way: every
 *       word carries its rank's window of routed tokens, their sum is the snapshot (id {@code s}),
 *       and every rank plans the same moves from it.
 *   <li><b>Stage</b>: each rank copies the weights of the moves that target it in the background
 *       ({@link WeightStager}) and says so in its next words.
 *   <li><b>Switch</b> after the first step whose words all say "staged": slot contents (in place)
 *       and routing tables (in place) flip between two steps. Words saying a staging failed abandon
 *       it on every rank.
 * </ol>
 *
 * A rank that did not complete step {@code s} may not know what the others decided in it, so a
 * switch is revertible until the epoch ends: each switched slot's old contents are kept, and when a
 * view is applied every rank first returns to the placement its epoch began with (which every rank
 * shares), abandons any staging, and only then carries out the view's repair. Steps re-run in the
 * next epoch therefore run on one placement everywhere; results never depend on it anyway. Used by
 * the rank thread; {@link #request} and the readers from any thread.
 */
final class Rebalancer implements StepControl {
  private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);
  private static final long FAILED = -2;

  /** How much a rebalance must lower the predicted max / mean rank load to move weights. */
  private static final double MIN_GAIN = 0.02;

  private final RankContext ctx;
  private final PlacementState placement;
  private final ExpertStore store;
  private final WeightStager stager;
  private final BooleanSupplier sendsIdle;
  private final RebalancePlanner planner;
  private final LoadWindow load;
  private final int interval;
  private final long budgetBytes;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final Map<Integer, Word> words = new HashMap<>();
  private final EpochSwitches switches;
  private final RebalanceLog log = new RebalanceLog();
  private final LongAdder malformed = new LongAdder();
  private boolean viewTrigger;
  private boolean wantedLastStep;
  private boolean snapshotStep;
  private Pending pending;

  private record Pending(RebalancePlan plan, WeightStager.Job job) {}

  Rebalancer(
      RankContext ctx,
      PlacementState placement,
      ExpertStore store,
      WeightStager stager,
      BooleanSupplier sendsIdle,
      RebalancePlanner planner,
      LoadWindow load,
      int interval,
      long budgetBytes) {
    this.ctx = requireNonNull(ctx, "ctx is null");
    this.placement = requireNonNull(placement, "placement is null");
    this.store = requireNonNull(store, "store is null");
    this.stager = requireNonNull(stager, "stager is null");
    this.sendsIdle = requireNonNull(sendsIdle, "sendsIdle is null");
    this.planner = requireNonNull(planner, "planner is null");
    this.load = requireNonNull(load, "load is null");
    this.interval = interval;
    this.budgetBytes = budgetBytes;
    this.switches = new EpochSwitches(ctx.rank(), store, placement);
  }

  /**
   * The rebalancer {@code ctx}'s configuration asks for ({@code eep_rebalance_*}); {@code
   * sendsIdle} says whether this rank's copies to a joining rank, which read its slots, are done.
   */
  static Rebalancer of(
      RankContext ctx,
      PlacementState placement,
      ExpertStore store,
      WeightStager stager,
      BooleanSupplier sendsIdle) {
    RankSetup setup = ctx.setup();
    return new Rebalancer(
        ctx,
        placement,
        store,
        stager,
        sendsIdle,
        new RebalancePlanner(
            setup.placementPolicy(),
            setup.planner().bandwidths(),
            setup.hostBackup().isPresent() ? SourceCatalog.everywhere() : SourceCatalog.diskOnly(),
            MIN_GAIN),
        new LoadWindow(
            setup.model().numLayers(),
            setup.model().numExperts(),
            setup.config().getInt(EepKeys.REBALANCE_WINDOW_STEPS)),
        setup.config().getInt(EepKeys.REBALANCE_INTERVAL_STEPS),
        setup.config().getLong(EepKeys.REBALANCE_STAGING_MB) << 20);
  }

  /** Asks for a rebalance at the next opportunity (the operations API). From any thread. */
  void request() {
    requested.set(true);
  }

  @Override
  public ByteBuffer outgoing(long step) {
    words.clear();
    snapshotStep =
        pending == null
            && load.enabled()
            && ((interval > 0 && step > 0 && step % interval == 0) || wantedLastStep);
    long staged = -1;
    if (pending != null) {
      // A slot being copied to a joining rank must not change under the copy: not staged until
      // then.
      staged =
          pending.job().done() && sendsIdle.getAsBoolean()
              ? pending.plan().snapshotId()
              : pending.job().failed() ? FAILED : -1;
    }
    Word own =
        new Word(
            requested.get() || viewTrigger, staged, snapshotStep ? load.totals() : new long[0]);
    words.put(ctx.rank(), own);
    return ControlCodec.encode(own);
  }

  @Override
  public void received(long step, int peer, ByteBuffer control) {
    try {
      words.put(peer, ControlCodec.decode(control));
    } catch (IllegalArgumentException e) {
      malformed.increment();
      LOG.warn("rank {} step {}: dropped rank {}'s control word: {}", ctx.rank(), step, peer, e);
    }
  }

  @Override
  public void routed(int layer, int[] chosen) {
    load.routed(layer, chosen);
  }

  /** After step {@code step} of {@code view} completed: snapshot, or switch, as the words say. */
  void afterStep(long step, MembershipView view) {
    load.endStep();
    if (words.size() != view.activeCount()) {
      return; // not every active rank's word (a step without peers' exchange): decide nothing
    }
    boolean wanted = words.values().stream().anyMatch(Word::wants);
    if (snapshotStep) {
      snapshot(step, view);
    } else if (pending != null) {
      long id = pending.plan().snapshotId();
      if (words.values().stream().anyMatch(w -> w.staged() == FAILED)) {
        LOG.warn("rank {}: a rank could not stage rebalance {}; abandoned", ctx.rank(), id);
        abandon(view.epoch(), step);
      } else if (words.values().stream().allMatch(w -> w.staged() == id)) {
        switchNow(step, view);
      }
    }
    wantedLastStep = wanted && pending == null && !snapshotStep;
  }

  /** A step was aborted: what it routed is not counted (the step runs again). */
  void stepAborted() {
    load.discardStep();
  }

  private void snapshot(long step, MembershipView view) {
    int n = load.layers() * load.experts();
    long[] sum = new long[n];
    for (Word w : words.values()) {
      long[] l = w.load();
      if (l.length != n) {
        return; // every rank sends its load at a snapshot step; a word without one decides nothing
      }
      for (int i = 0; i < n; i++) {
        sum[i] += l[i];
      }
    }
    requested.set(false);
    viewTrigger = false;
    int experts = load.experts();
    double[][] perLayer = new double[load.layers()][experts];
    double total = 0;
    for (int i = 0; i < n; i++) {
      perLayer[i / experts][i % experts] = sum[i];
      total += sum[i];
    }
    if (total == 0) {
      return; // an idle window says nothing about balance
    }
    RebalancePlan plan =
        planner.plan(
            placement.placement(),
            placement.layers(),
            view.activeRanks(),
            step,
            perLayer,
            ctx.setup().config().getLong(EepKeys.SEED),
            ctx.setup().model().expertBytes(),
            budgetBytes);
    Kind kind = plan.empty() ? Kind.BALANCED : Kind.PLANNED;
    long own = 0;
    for (long l : words.get(ctx.rank()).load()) {
      own += l;
    }
    log.record(kind, view.epoch(), step, plan, 0, own);
    LOG.info(
        "rank {} rebalance snapshot {} at {}: imbalance {} -> {} (worst layer {} -> {}), {} loads"
            + " ({} here)",
        ctx.rank(),
        step,
        view.summary(),
        String.format("%.3f", plan.imbalanceBefore()),
        String.format("%.3f", plan.imbalanceAfter()),
        String.format("%.3f", plan.layerImbalanceBefore()),
        String.format("%.3f", plan.layerImbalanceAfter()),
        plan.loads().size(),
        plan.loadsTo(ctx.rank()).size());
    if (!plan.empty()) {
      pending =
          new Pending(
              plan,
              stager.stage(
                  plan.loadsTo(ctx.rank()),
                  plan.sentBy(ctx.rank()),
                  view.epoch(),
                  plan.snapshotId(),
                  store.slots()));
    }
  }

  private void switchNow(long step, MembershipView view) {
    RebalancePlan plan = pending.plan();
    int here = pending.job().staged().size();
    long bytes = switches.apply(plan, pending.job(), view);
    pending = null;
    log.record(Kind.SWITCHED, view.epoch(), step, plan, bytes, 0);
    LOG.info(
        "rank {} switched to rebalance {} after step {}: {} loads here, worst layer {} -> {}",
        ctx.rank(),
        plan.snapshotId(),
        step,
        here,
        String.format("%.3f", plan.layerImbalanceBefore()),
        String.format("%.3f", plan.layerImbalanceAfter()));
  }

  private void abandon(long epoch, long step) {
    if (pending != null) {
      pending.job().close();
      log.record(Kind.ABANDONED, epoch, step, pending.plan(), 0, 0);
      pending = null;
    }
  }

  /**
   * Before a view is applied: abandons a staging and returns to the placement the ending epoch
   * began with (every rank does, whatever it knew of the last step).
   */
  void beforeView(long epoch) {
    abandon(epoch, -1);
    int n = switches.revert();
    if (n >= 0) {
      LOG.info(
          "rank {}: view change; {} rebalanced (layer, slot)s return to the epoch's placement",
          ctx.rank(),
          n);
      log.reverted(epoch, n);
    }
  }

  /**
   * After a view was applied: a new epoch begins on the placement every rank now shares; a change
   * of the active ranks asks for a rebalance when rebalancing is periodic.
   */
  void viewApplied(boolean activeChanged) {
    switches.forget();
    words.clear();
    wantedLastStep = false;
    if (activeChanged && interval > 0) {
      viewTrigger = true;
    }
  }

  /** See {@link RebalanceLog#await}. From any thread. */
  boolean await(Kind kind, long n, Duration timeout) throws InterruptedException {
    return log.await(kind, n, timeout);
  }

  /** The last events of {@link RebalanceLog}. From any thread. */
  List<RebalanceEvent> events() {
    return log.events();
  }

  /** This rank's routed tokens to {@code expert} in {@code layer} in the window. Any thread. */
  long load(int layer, int expert) {
    return load.total(layer, expert);
  }

  /** This rank's routed tokens per (layer, expert) in the window. From any thread. */
  long[][] load() {
    long[] flat = load.totals();
    int experts = load.experts();
    long[][] out = new long[load.layers()][];
    for (int l = 0; l < out.length; l++) {
      out[l] = Arrays.copyOfRange(flat, l * experts, (l + 1) * experts);
    }
    return out;
  }

  /** The counts of the events and the bytes staged. From any thread. */
  RankStats.Rebalancing stats() {
    return new RankStats.Rebalancing(
        log.count(Kind.PLANNED) + log.count(Kind.BALANCED),
        log.count(Kind.SWITCHED),
        log.count(Kind.ABANDONED),
        log.count(Kind.REVERTED),
        stager.peerBytes(),
        stager.hostBytes(),
        stager.diskBytes(),
        malformed.sum());
  }
}
