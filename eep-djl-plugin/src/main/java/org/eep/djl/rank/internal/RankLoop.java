package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportStats;
import org.eep.api.config.CoverageLossPolicy;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.rank.RankSetup;
import org.eep.djl.rank.RankStats;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.repair.Checkpoint;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.djl.repair.RepairExecutor;
import org.eep.djl.repair.WeightSender;
import org.eep.djl.repair.WeightStager;
import org.eep.djl.step.ActiveRequest;
import org.eep.djl.step.EpStep;
import org.eep.djl.step.Exchange;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.step.KvPool;
import org.eep.djl.step.RopeTables;
import org.eep.djl.step.RoutingTable;
import org.eep.djl.step.StepAbortedException;
import org.eep.djl.step.StepBudget;
import org.eep.djl.step.StepTimings;
import org.eep.djl.step.StepWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of one rank incarnation and the loop its thread runs: formation, then, until a terminal
 * state, apply learned views, agree on the resume step at each new epoch, admit requests and run a
 * step. A step aborted at an epoch boundary waits for the next view. Everything but the accessors
 * runs on the rank thread.
 */
public final class RankLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RankLoop.class);

  private final RankContext ctx;
  private final NDManager manager;
  private final RankCounters counters = new RankCounters();
  private final StepTimings timings = new StepTimings();
  private final PeerHealth health;
  private final PeerProber prober;
  private final Exchange exchange;
  private final ExpertStore store;
  private final PlacementState placement;
  private final Checkpoint checkpoint;
  private final RepairExecutor repairs;
  private final ViewApplier views;
  private final Formation formation;
  private final EpochSync sync;
  private final WeightStager stager;
  private final WeightSender sender;
  private final Rebalancer rebalancer;
  private final Queue<ActiveRequest> arrivals = new ConcurrentLinkedQueue<>();
  private volatile StepRunner runner;
  private volatile KvPool kv;
  private volatile Thread thread;

  /**
   * The parts of rank {@code setup.rank()}; its transport endpoint and membership handle are made
   * here and owned.
   */
  public RankLoop(RankSetup setup, Lifecycle lifecycle) {
    requireNonNull(setup, "setup is null");
    this.manager = setup.manager().newSubManager();
    Transport transport = setup.transports().create(setup.config(), setup.rank());
    MembershipService membership;
    try {
      membership = setup.memberships().create(setup.config());
    } catch (RuntimeException e) {
      transport.close();
      throw e;
    }
    this.ctx = new RankContext(setup, transport, membership, lifecycle);
    Duration stepTimeout = setup.config().getMillis(EepKeys.STEP_TIMEOUT_MS);
    int maxRanks = setup.config().getInt(EepKeys.MAX_RANKS);
    this.health = new PeerHealth(setup.rank(), membership, ctx::applied, stepTimeout);
    transport.addPeerErrorListener(
        (peer, cause) -> {
          if (!lifecycle.stopping()) {
            health.confirmedFailure(peer, String.valueOf(cause.getMessage()));
          }
        });
    this.exchange =
        new FaultPointExchange(
            new TransportExchange(
                setup.rank(), ctx::incarnation, transport, health, lifecycle, stepTimeout),
            setup.hooks(),
            setup.rank());
    this.store = new ExpertStore(setup.model(), manager, setup.slotsPerRank());
    int layers = setup.model().numLayers();
    int experts = setup.model().numExperts();
    this.placement =
        new PlacementState(
            setup.rank(),
            new RoutingTable(manager, layers, experts, maxRanks),
            LayerMap.identity(layers, experts));
    this.checkpoint = new Checkpoint(setup.modelDir());
    this.repairs =
        new RepairExecutor(
            setup.rank(),
            setup.slotsPerRank(),
            setup.model(),
            store,
            transport,
            stepTimeout.multipliedBy(10),
            checkpoint,
            setup.hostBackup(),
            placement::layers,
            manager);
    Connections connections = new Connections(setup.rank(), maxRanks, transport, health, counters);
    this.sender =
        new WeightSender(
            setup.rank(), setup.slotsPerRank(), store, transport, ctx::incarnation, manager);
    this.stager =
        new WeightStager(
            setup.rank(),
            setup.model(),
            store,
            checkpoint,
            setup.hostBackup(),
            transport,
            ctx::incarnation,
            stepTimeout.multipliedBy(10),
            manager);
    this.rebalancer = Rebalancer.of(ctx, placement, store, stager, sender::idle);
    this.views =
        new ViewApplier(
            ctx, connections, placement, repairs, sender, this::failAll, this::wake, rebalancer);
    this.formation = new Formation(ctx, store, checkpoint, repairs, connections, placement);
    this.sync = new EpochSync(setup.rank(), exchange);
    this.prober =
        new PeerProber(
            setup.rank(),
            transport,
            membership::reportEvidence,
            ctx::applied,
            ctx::incarnation,
            health::usable,
            counters,
            setup.config().getMillis(EepKeys.PROBE_AFTER_MS),
            setup.config().getMillis(EepKeys.PROBE_TIMEOUT_MS),
            System::nanoTime);
    prober.start();
  }

  /**
   * The rank thread's body. Returns when the incarnation reached a terminal state; errors end it
   * FAILED.
   */
  public void run() {
    thread = Thread.currentThread();
    try {
      StepWeights weights = formation.load(views, manager);
      RankSetup setup = ctx.setup();
      boolean drop =
          setup.config().getEnum(EepKeys.ON_COVERAGE_LOSS, CoverageLossPolicy.class)
              == CoverageLossPolicy.DROP;
      KvPool kv =
          new KvPool(setup.model(), manager, setup.config().getInt(EepKeys.KV_CACHE_TOKENS));
      this.kv = kv;
      EpStep step =
          new EpStep(
              setup.model(),
              weights,
              store,
              placement.routing(),
              kv,
              new RopeTables(setup.model(), manager),
              ctx.rank(),
              setup.slotsPerRank(),
              drop,
              new StepBudget(
                  setup.config().getInt(EepKeys.PREFILL_CHUNK),
                  setup.config().getInt(EepKeys.STEP_TOKENS)),
              timings,
              rebalancer);
      runner =
          new StepRunner(
              ctx.rank(),
              step,
              kv,
              exchange,
              counters,
              manager,
              setup.config().getInt(EepKeys.MAX_BATCH),
              arrivals,
              placement::uncovered,
              !drop
                  ? Duration.ofMillis(setup.config().getLong(EepKeys.COVERAGE_WAIT_MS))
                  : Duration.ZERO);
      formation.activate();
      serve(runner);
    } catch (RankStoppedException | InterruptedException e) {
      LOG.debug("rank {} stopped", ctx.rank());
    } catch (RuntimeException | Error e) {
      if (ctx.lifecycle().fail(e)) {
        LOG.error("rank {} failed", ctx.rank(), e);
      }
    }
  }

  private void serve(StepRunner r) throws InterruptedException {
    boolean syncNeeded = true;
    boolean aborted = false;
    boolean rerun = false;
    while (!ctx.lifecycle().stopping()) {
      syncNeeded |= views.applyLearned(true);
      if (ctx.lifecycle().stopping()) {
        return;
      }
      if (syncNeeded) {
        OptionalLong resume = sync.agree(ctx.applied(), r.nextStep());
        if (resume.isEmpty()) {
          awaitNewerView();
          continue;
        }
        r.rollbackTo(resume.getAsLong());
        syncNeeded = false;
        rerun = aborted;
        aborted = false;
      }
      if (rerun) {
        // The step the failure aborted runs again first, on the batch it had. Arrivals, among them
        // the failed rank's re-queued requests, whose prefill would lengthen it on every rank,
        // join from the next step: the survivors' tokens resume after one plain step.
        rerun = false;
      } else {
        r.admit();
      }
      try {
        long s = r.nextStep();
        r.run(ctx.applied().epoch(), ctx.peers());
        rebalancer.afterStep(s, ctx.applied());
      } catch (StepAbortedException e) {
        counters.stepsAborted.increment();
        aborted = true;
        rebalancer.stepAborted();
        awaitNewerView();
      }
      if (r.idle() && !views.pending() && !ctx.lifecycle().stopping()) {
        LockSupport.parkNanos(
            TimeUnit.MILLISECONDS.toNanos(1)); // woken early by a request or a view
      }
    }
  }

  /**
   * After an aborted step or SYNC: nothing can finish in this epoch, so wait for the next view
   * (woken by {@link ViewApplier#learn}).
   */
  private void awaitNewerView() throws InterruptedException {
    while (!views.pending() && !ctx.lifecycle().stopping()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** Queues a request; it joins the batch between steps. From any thread. */
  public void submit(ActiveRequest request) {
    arrivals.add(request);
    wake();
  }

  private void failAll(RuntimeException e) {
    StepRunner r = runner;
    if (r != null) {
      r.failAll(e);
    }
    ActiveRequest a;
    while ((a = arrivals.poll()) != null) {
      a.state().fail(e);
    }
  }

  private void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  public long incarnation() {
    return ctx.incarnation();
  }

  public MembershipView applied() {
    return ctx.applied();
  }

  /** See {@link org.eep.djl.rank.RankRuntime#awaitApplied}. */
  public boolean awaitApplied(long epoch, Duration timeout) throws InterruptedException {
    return ctx.awaitSettled(epoch, timeout);
  }

  public MembershipService membership() {
    return ctx.membership();
  }

  public TransportStats transportStats() {
    return ctx.transport().stats();
  }

  public RankStats stats() {
    return counters.snapshot(
        ctx.owner(),
        ctx.settledEpoch(),
        placement.routing(),
        store,
        checkpoint.bytesRead(),
        ctx.transport().stats(),
        kv == null ? new RankStats.Kv(0, 0) : new RankStats.Kv(kv.capacity(), kv.freePositions()),
        rebalancer.stats());
  }

  public StepTimings timings() {
    return timings;
  }

  public List<ExecutedRepair> repairs() {
    return repairs.executed();
  }

  /** Asks for a rebalance at the next step boundary every rank agrees on. */
  public void requestRebalance() {
    rebalancer.request();
  }

  /** What rebalancing did so far, in order. */
  public List<RebalanceEvent> rebalances() {
    return rebalancer.events();
  }

  /** See {@link org.eep.djl.rank.RankRuntime#awaitRebalances}. */
  public boolean awaitRebalances(RebalanceEvent.Kind kind, long n, Duration timeout)
      throws InterruptedException {
    return rebalancer.await(kind, n, timeout);
  }

  /** Tokens routed per (layer, expert) by this rank over the rebalance window. */
  public long[][] routedLoad() {
    return rebalancer.load();
  }

  /** Tokens routed to {@code expert} in {@code layer} by this rank over the rebalance window. */
  public long routedTokens(int layer, int expert) {
    return rebalancer.load(layer, expert);
  }

  public int[] uncovered() {
    return placement.uncovered();
  }

  /** See {@link ViewApplier#missingWithout}. */
  public List<Integer> missingWithout(int leaving) {
    return views.missingWithout(leaving);
  }

  public Map<Integer, CircuitBreaker.State> peerStates() {
    return health.states();
  }

  public RoutingTable routing() {
    return placement.routing();
  }

  public ExpertStore store() {
    return store;
  }

  public ExpertPlacement placement() {
    return placement.placement();
  }

  public LayerMap layerMap() {
    return placement.layers();
  }

  /** Drops connections and the membership session at once, as a killed process would (no leave). */
  public void abandon() {
    prober.close();
    ctx.transport().close();
    ctx.membership().close();
  }

  /** Leaves the slot on purpose (after the rank thread ended). */
  public void leave() {
    ctx.membership().leave(ctx.rank(), ctx.incarnation());
  }

  /**
   * Releases the endpoint, the membership handle, the requests' caches and the tensors (after the
   * rank thread ended).
   */
  @Override
  public void close() {
    prober.close();
    ctx.transport().close();
    ctx.membership().close();
    StepRunner r = runner;
    if (r != null) {
      r.close();
    }
    stager.close();
    sender.close();
    checkpoint.close();
    manager.close();
  }
}
