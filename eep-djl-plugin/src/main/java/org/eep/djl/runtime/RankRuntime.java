package org.eep.djl.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eep.api.comm.EpochChangedException;
import org.eep.api.comm.Fence;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.KvCache;
import org.eep.djl.model.ModelLayout;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.MoeMath;
import org.eep.djl.model.SafetensorsFile;
import org.eep.djl.model.TensorNames;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.RepairPlan;
import org.eep.placement.repair.RepairPlanner;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank of an EP instance: its slot, transport endpoint, membership handle, dense weights,
 * expert slots and routing tables, and the thread that runs decode steps in lockstep with the
 * other active ranks.
 *
 * <p>Views are learned on the membership thread (which fences the transport at once, ending waits
 * for older epochs) and applied on the rank thread between steps, in epoch order: connections to
 * new incarnations, the placement transition (repair after failures, weight copies to a joining
 * rank), routing tables updated in place. Each epoch starts with a SYNC exchange in which the
 * active ranks agree on the step to resume from; a rank that had already completed that step
 * re-runs it from its snapshot (KV writes are by position, tokens are emitted once per index).
 *
 * <p>Threading: the rank thread owns the model state. {@link #submit}, {@link #kill} and
 * {@link #stats} may be called from any thread.
 */
public final class RankRuntime implements RankEndpoint, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RankRuntime.class);
  private static final int PLACEMENT_TAG = 1;

  private final RankSetup setup;
  private final int rank;
  private final MoeConfig model;
  private final int slotsPerRank;
  private final NDManager manager;
  private final Transport transport;
  private final MembershipService membership;
  private final RepairPlanner planner;
  private final SourceCatalog catalog;
  private final HostBackup hostBackup;
  private final Duration stepTimeout;
  private final int maxBatch;
  private final boolean dropUncovered;
  private final Thread thread;

  private final LinkedBlockingQueue<MembershipView> learned = new LinkedBlockingQueue<>();
  private final Queue<ActiveRequest> arrivals = new ConcurrentLinkedQueue<>();
  private final List<ExecutedRepair> repairs = new CopyOnWriteArrayList<>();
  private final Map<Integer, CircuitBreaker> breakers = new HashMap<>();
  private final StepTimings timings = new StepTimings();

  private volatile boolean stopped;
  private volatile boolean killed;
  private volatile long incarnation;
  private volatile MembershipView applied;
  private volatile boolean evicted;
  private final java.util.concurrent.CountDownLatch formedLatch = new java.util.concurrent.CountDownLatch(1);
  private volatile Throwable failure;
  private volatile int[] uncovered = new int[0];

  // Owned by the rank thread.
  private DenseWeights dense;
  private ExpertStore experts;
  private RoutingTable routing;
  private EpStep stepper;
  private ExpertPlacement placement;
  private ExpertPlacement initialPlacement;
  private final List<ActiveRequest> batch = new ArrayList<>();
  private final List<ActiveRequest> retired = new ArrayList<>();
  private final long[] connectedIncarnation;
  private long nextStep = -1;
  /** Request states at the start of the step in progress, and of the last completed step (for a re-run). */
  private Map<ActiveRequest, Long> startOfStep = new IdentityHashMap<>();
  private Map<ActiveRequest, Long> startOfCompletedStep = new IdentityHashMap<>();
  private long completedStep = -1;
  private boolean formed;

  private final AtomicLong stepsCompleted = new AtomicLong();
  private final AtomicLong stepsAborted = new AtomicLong();
  private final AtomicLong tokensEmitted = new AtomicLong();
  private final AtomicLong connectionsOpened = new AtomicLong();
  private final AtomicLong tableRebuilds = new AtomicLong();
  private final AtomicLong stepStateResets = new AtomicLong();
  private volatile long checkpointBytesRead;

  public RankRuntime(RankSetup setup) {
    this.setup = setup;
    this.rank = setup.rank();
    this.model = setup.model();
    this.slotsPerRank = setup.slotsPerRank();
    this.manager = setup.manager().newSubManager();
    this.stepTimeout = setup.config().getMillis(EepKeys.STEP_TIMEOUT_MS);
    this.maxBatch = setup.config().getInt(EepKeys.MAX_BATCH);
    this.dropUncovered = "drop".equals(setup.config().getString(EepKeys.ON_COVERAGE_LOSS));
    this.planner = new RepairPlanner(setup.bandwidths());
    this.hostBackup = setup.sharedHostBackup() ? HostBackup.of(setup.config().getString(EepKeys.INSTANCE)) : null;
    this.catalog = hostBackup != null ? SourceCatalog.everywhere() : SourceCatalog.diskOnly();
    this.connectedIncarnation = new long[setup.config().getInt(EepKeys.MAX_RANKS)];
    java.util.Arrays.fill(connectedIncarnation, -1);
    this.transport = setup.transports().create(setup.config(), rank);
    this.membership = setup.memberships().create(setup.config());
    transport.addPeerErrorListener(this::onPeerError);
    this.thread = new Thread(this::run, "eep-rank-" + rank);
    thread.setDaemon(true);
  }

  /** Joins the instance and starts the rank thread. */
  public RankRuntime start() {
    thread.start();
    return this;
  }

  public int rank() {
    return rank;
  }

  public long incarnation() {
    return incarnation;
  }

  /** Owner key of requests handed to this incarnation: rank and incarnation. */
  public long ownerKey() {
    return ((long) rank << 32) | incarnation;
  }

  /** The newest view this rank has applied (null before it joined). */
  public MembershipView appliedView() {
    return applied;
  }

  /** True once this rank is ACTIVE in an applied view and steps. */
  public boolean serving() {
    MembershipView v = applied;
    return v != null && formed && !stopped && v.slot(rank).state() == SlotState.ACTIVE && v.slot(rank).incarnation() == incarnation;
  }

  /** Waits until this incarnation is ACTIVE and stepping; false if it stopped or the timeout passed first. */
  public boolean awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!formedLatch.await(50, TimeUnit.MILLISECONDS)) {
      if (!thread.isAlive() || System.nanoTime() > deadline) {
        return false;
      }
    }
    return thread.isAlive();
  }

  /** Waits up to {@code millis} for the rank thread to end. */
  public void join(long millis) throws InterruptedException {
    thread.join(millis);
  }

  /** True once {@link #kill} was called. */
  public boolean killed() {
    return killed;
  }

  /** True if this incarnation found itself evicted (FAILED in a view while alive) and stopped. */
  public boolean evicted() {
    return evicted;
  }

  public boolean alive() {
    return thread.isAlive();
  }

  public Throwable failure() {
    return failure;
  }

  /**
   * Serves a request handed over from a front end in another process: tokens from index
   * {@code alreadyEmitted.length} on reach {@code listener}. Refused (the future fails) unless
   * {@code ownerKey} names this incarnation.
   */
  public CompletableFuture<GenerationResult> serve(GenerationRequest request, int[] alreadyEmitted, long ownerKey,
      TokenListener listener) {
    RequestState state = new RequestState(request, listener);
    state.assign(ownerKey);
    if (ownerKey != ownerKey()) {
      state.fail(new RequestRejectedException("request " + request.id() + " was sent to incarnation " + (ownerKey & 0xffffffffL)
          + " of rank " + rank + ", which is now incarnation " + incarnation));
    } else {
      state.resume(alreadyEmitted);
      submit(state, alreadyEmitted, ownerKey);
    }
    return state.result();
  }

  /** Hands a request to this rank; it joins the batch between steps. */
  @Override
  public void submit(RequestState state, int[] alreadyEmitted, long owner) {
    arrivals.add(new ActiveRequest(state, owner, alreadyEmitted));
    LockSupport.unpark(thread);
  }

  public List<ExecutedRepair> repairs() {
    return List.copyOf(repairs);
  }

  public StepTimings timings() {
    return timings;
  }

  public RoutingTable routingTable() {
    return routing;
  }

  public ExpertStore expertStore() {
    return experts;
  }

  public Transport transport() {
    return transport;
  }

  public MembershipService membership() {
    return membership;
  }

  public ExpertPlacement placement() {
    return placement;
  }

  public RankStats stats() {
    MembershipView v = applied;
    return new RankStats(rank, incarnation, v == null ? -1 : v.epoch(), stepsCompleted.get(), stepsAborted.get(),
        tokensEmitted.get(), connectionsOpened.get(), tableRebuilds.get(), 0, stepStateResets.get(),
        routing == null ? 0 : routing.updates(), experts == null ? 0 : experts.bytesLoaded(), checkpointBytesRead,
        transport.stats().fenced());
  }

  /** Kills this rank abruptly, as {@code kill -9} would: no leave, connections dropped, heartbeats stop. */
  public void kill() {
    killed = true;
    stopped = true;
    transport.close();
    membership.close();
    thread.interrupt();
  }

  /** Stops the rank thread without leaving (the first half of {@link #close}, so an instance can stop all ranks before any leaves). */
  void stopStepping() {
    if (!stopped) {
      stopped = true;
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Leaves the instance and stops. */
  @Override
  public void close() {
    boolean wasRunning = !stopped;
    stopStepping();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!killed && !evicted && incarnation > 0 && (wasRunning || thread.getState() == Thread.State.TERMINATED)) {
      try {
        membership.leave(rank, incarnation);
      } catch (RuntimeException e) {
        LOG.debug("rank {} could not leave cleanly: {}", rank, e.toString());
      }
    }
    transport.close();
    membership.close();
    for (ActiveRequest r : batch) {
      r.close();
    }
    manager.close();
  }

  // ---------------------------------------------------------------- rank thread

  private void run() {
    try {
      form();
      boolean syncNeeded = true;
      while (!stopped) {
        syncNeeded |= applyLearnedViews();
        if (stopped) {
          return;
        }
        if (syncNeeded) {
          if (!sync()) {
            continue;
          }
          syncNeeded = false;
        }
        admitArrivals();
        try {
          setup.hooks().at(StepHooks.Point.BEFORE_STEP, rank, nextStep, -1);
          runStep();
        } catch (StepAborted e) {
          stepsAborted.incrementAndGet();
          awaitNewerView();
        }
        idleIfNothingToDo();
      }
    } catch (Killed | InterruptedException e) {
      LOG.debug("rank {} stopped", rank);
    } catch (RuntimeException | Error e) {
      if (!stopped) {
        failure = e;
        LOG.error("rank {} failed", rank, e);
      }
    }
  }

  /** Joins the slot, loads weights, connects and activates; returns once the rank is ACTIVE in a formed instance. */
  private void form() throws InterruptedException {
    MembershipView atJoin = membership.currentView();
    boolean rejoin = atJoin.activeCount() > 0;
    incarnation = membership.join(rank, transport.address());
    membership.subscribe(this::learn);
    LOG.info("rank {} joined as incarnation {} ({})", rank, incarnation, rejoin ? "rejoin" : "initial formation");
    routing = new RoutingTable(manager, model.numExperts(), connectedIncarnation.length);
    experts = new ExpertStore(model, manager, slotsPerRank);
    try (SafetensorsFile file = new SafetensorsFile(setup.modelDir().resolve(org.eep.djl.model.CheckpointGenerator.WEIGHTS))) {
      file.requireAll(ModelLayout.all(model));
      dense = DenseWeights.load(model, file, manager);
      initialPlacement = setup.placementPolicy().place(new PlacementRequest(model.numExperts(), connectedIncarnation.length,
          slotsPerRank, allRanks(), LoadSnapshot.uniform(model.numExperts()), setup.config().getLong(EepKeys.SEED)));
      if (!rejoin) {
        placement = initialPlacement;
        loadInitialSlots(file);
      } else {
        rejoinLoad(file);
      }
      checkpointBytesRead = file.bytesRead();
    }
    stepper = new EpStep(model, dense, experts, routing, rank, slotsPerRank, dropUncovered, setup.hooks(), timings);
    warmUp();
    if (!rejoin) {
      MembershipView all = awaitView(v -> v.slots().stream().allMatch(s -> s.state().isMember()));
      connectTo(all);
    }
    membership.activate(rank, incarnation);
    MembershipView active = awaitView(v -> v.slot(rank).state() == SlotState.ACTIVE
        && (rejoin || v.activeCount() == v.maxRanks()));
    formed = true;
    formedLatch.countDown();
    if (!rejoin) {
      applied = active;
      updateRouting(active);
    }
    LOG.info("rank {} active at {}", rank, active.summary());
  }

  private BitSet allRanks() {
    BitSet all = new BitSet();
    all.set(0, connectedIncarnation.length);
    return all;
  }

  private void loadInitialSlots(SafetensorsFile file) {
    int[] mine = placement.expertsOn(rank);
    for (int s = 0; s < mine.length; s++) {
      if (mine[s] >= 0) {
        loadFromDisk(file, s, mine[s]);
      }
    }
  }

  private void loadFromDisk(SafetensorsFile file, int slot, int expert) {
    for (int l = 0; l < model.numLayers(); l++) {
      try (NDManager scratch = manager.newSubManager()) {
        NDArray[] p = new NDArray[3];
        for (int i = 0; i < 3; i++) {
          p[i] = file.read(scratch, TensorNames.expert(l, expert, TensorNames.EXPERT_PROJECTIONS[i]));
        }
        experts.write(l, slot, p[0], p[1], p[2]);
        if (hostBackup != null) {
          hostBackup.put(l, expert, new float[][] {p[0].toFloatArray(), p[1].toFloatArray(), p[2].toFloatArray()});
        }
      }
    }
    experts.setHolds(slot, expert);
  }

  private void loadFromHost(int slot, int expert) {
    for (int l = 0; l < model.numLayers(); l++) {
      float[][] w = hostBackup.get(l, expert);
      if (w == null) {
        throw new IllegalStateException("host backup lacks expert " + expert + " layer " + l);
      }
      writeSlot(l, slot, w);
    }
    experts.setHolds(slot, expert);
  }

  private void writeSlot(int layer, int slot, float[][] w) {
    long h = model.hiddenSize();
    long i = model.moeIntermediateSize();
    try (NDManager scratch = manager.newSubManager()) {
      experts.write(layer, slot, scratch.create(w[0], new Shape(i, h)), scratch.create(w[1], new Shape(i, h)),
          scratch.create(w[2], new Shape(h, i)));
    }
  }

  /** A returning rank: learns the placement from the lowest active rank, then loads its slots by the rejoin plan. */
  private void rejoinLoad(SafetensorsFile file) throws InterruptedException {
    while (true) {
      MembershipView v = membership.currentView();
      transport.fence(Fence.of(v));
      connectTo(v);
      int lowest = v.activeRanks().nextSetBit(0);
      try {
        Message m = transport.receive(new MessageKey(lowest, v.epoch(), 0, 0, Phase.CONTROL, PLACEMENT_TAG), stepTimeout.multipliedBy(10));
        ByteBuffer p = m.payload().order(ByteOrder.LITTLE_ENDIAN);
        int[] map = new int[p.getInt()];
        for (int i = 0; i < map.length; i++) {
          map[i] = p.getInt();
        }
        placement = new ExpertPlacement(connectedIncarnation.length, slotsPerRank, model.numExperts(), map);
        RepairPlan plan = planner.planRejoin(placement, v.activeRanks(), rank, bytesPerExpert(), catalog);
        LOG.info("rank {} rejoin plan at {}: {} loads, estimated {} s", rank, v.summary(), plan.actions().size(),
            String.format("%.4f", plan.estimatedSeconds()));
        for (RepairAction a : plan.actions()) {
          executeLoad(v.epoch(), a, file);
        }
        applied = v;
        return;
      } catch (EpochChangedException | ReceiveTimeoutException | PeerFailedException e) {
        LOG.info("rank {} rejoin restarts at a newer view: {}", rank, e.getMessage());
        membership.awaitEpoch(v.epoch() + 1, stepTimeout);
      }
    }
  }

  private void executeLoad(long epoch, RepairAction a, SafetensorsFile file) throws InterruptedException {
    long t0 = System.nanoTime();
    int slot = a.physicalSlot() % slotsPerRank;
    switch (a.source()) {
      case PEER -> {
        for (int l = 0; l < model.numLayers(); l++) {
          Message m = transport.receive(new MessageKey(a.sourceRank(), epoch, 0, l, Phase.WEIGHTS, slot), stepTimeout.multipliedBy(10));
          ByteBuffer p = m.payload().order(ByteOrder.LITTLE_ENDIAN);
          int n = model.hiddenSize() * model.moeIntermediateSize();
          float[][] w = new float[3][n];
          for (int i = 0; i < 3; i++) {
            p.asFloatBuffer().get(w[i]);
            p.position(p.position() + n * Float.BYTES);
          }
          writeSlot(l, slot, w);
        }
        experts.setHolds(slot, a.expert());
      }
      case HOST -> loadFromHost(slot, a.expert());
      case DISK -> {
        if (file != null) {
          loadFromDisk(file, slot, a.expert());
        } else {
          try (SafetensorsFile f = new SafetensorsFile(setup.modelDir().resolve(org.eep.djl.model.CheckpointGenerator.WEIGHTS))) {
            loadFromDisk(f, slot, a.expert());
            checkpointBytesRead += f.bytesRead();
          }
        }
      }
    }
    double actual = (System.nanoTime() - t0) / 1e9;
    repairs.add(new ExecutedRepair(epoch, a, actual));
    LOG.info("rank {} repair e{}: expert {} -> slot {} from {}{} ({} bytes, estimated {} s, actual {} s)", rank, epoch,
        a.expert(), a.physicalSlot(), a.source(), a.source() == Tier.PEER ? " rank " + a.sourceRank() : "", a.bytes(),
        String.format("%.4f", a.estimatedSeconds()), String.format("%.4f", actual));
  }

  private long bytesPerExpert() {
    return model.expertBytes() * model.numLayers();
  }

  private void warmUp() {
    try (NDManager scratch = manager.newSubManager(); KvCache cache = new KvCache(model, scratch, 1)) {
      NDArray x = scratch.zeros(new Shape(1, model.hiddenSize()));
      MoeMath.attention(model, dense.layers()[0], x, cache.layer(0), 0);
      for (int s = 0; s < slotsPerRank; s++) {
        if (experts.holds(s) >= 0) {
          experts.compute(0, s, x);
        }
      }
    }
  }

  private MembershipView awaitView(java.util.function.Predicate<MembershipView> condition) throws InterruptedException {
    MembershipView v = membership.currentView();
    while (!condition.test(v)) {
      if (stopped) {
        throw new Killed();
      }
      if (v.state() == InstanceState.FAILED) {
        throw new IllegalStateException("instance FAILED while rank " + rank + " was forming: " + v.cause());
      }
      v = membership.awaitEpoch(v.epoch() + 1, Duration.ofMillis(200));
    }
    return v;
  }

  private void learn(MembershipView v) {
    transport.fence(Fence.of(v));
    learned.add(v);
    LockSupport.unpark(thread);
  }

  private void connectTo(MembershipView v) {
    for (Slot s : v.slots()) {
      if (s.rank() == rank || !s.state().isMember() || s.address().isEmpty()) {
        continue;
      }
      if (connectedIncarnation[s.rank()] != s.incarnation()) {
        try {
          if (connectedIncarnation[s.rank()] < 0) {
            transport.connect(s.rank(), s.address());
          } else {
            transport.reconnect(s.rank(), s.address());
          }
          connectedIncarnation[s.rank()] = s.incarnation();
          connectionsOpened.incrementAndGet();
          breaker(s.rank()).reset();
        } catch (TransportException e) {
          LOG.warn("rank {} cannot connect to rank {} at {}: {}", rank, s.rank(), s.address(), e.getMessage());
        }
      }
    }
  }

  /** Applies every learned view in epoch order; true if any was newer than the applied one. */
  private boolean applyLearnedViews() throws InterruptedException {
    MembershipView v;
    boolean changed = false;
    while ((v = learned.poll()) != null) {
      MembershipView prev = applied;
      if (prev != null && v.epoch() <= prev.epoch()) {
        continue;
      }
      applied = v;
      changed = true;
      if (v.state() == InstanceState.FAILED) {
        LOG.warn("rank {}: instance FAILED ({}); stopping", rank, v.cause());
        failAll(new RequestRejectedException("instance failed (" + v.cause() + "); it must be restarted"));
        stopped = true;
        return true;
      }
      Slot me = v.slot(rank);
      if (me.incarnation() != incarnation || me.state() == SlotState.FAILED || me.state() == SlotState.LEFT) {
        LOG.warn("rank {} incarnation {} is {} in {}: evicted, stopping (it must rejoin as a new incarnation)", rank,
            incarnation, me.state(), v.summary());
        evicted = true;
        stopped = true;
        return true;
      }
      connectTo(v);
      if (prev != null && formed) {
        transition(prev, v);
      }
      if (placement != null) {
        updateRouting(v);
      }
    }
    return changed;
  }

  private void updateRouting(MembershipView v) {
    routing.update(placement, v);
    uncovered = routing.uncovered();
    if (uncovered.length > 0) {
      LOG.warn("rank {} at {}: logical experts {} have no replica on an active rank", rank, v.summary(), java.util.Arrays.toString(uncovered));
    }
  }

  /** Logical experts with no replica on an active rank in the applied view. */
  public int[] uncoveredExperts() {
    return uncovered.clone();
  }

  /** The placement transition from one view to the next: repair after failures, weights for joining ranks. */
  private void transition(MembershipView prev, MembershipView v) throws InterruptedException {
    if (!prev.activeRanks().equals(v.activeRanks()) && v.activeCount() > 0) {
      // A rank lost leaves orphans; a rank gained is capacity for orphans still uncovered.
      repair(v, planner.planRecovery(placement, v.activeRanks(), bytesPerExpert(), catalog));
    }
    for (Slot s : v.slots()) {
      if (s.state() == SlotState.JOINING && s.rank() != rank && v.activeCount() > 0) {
        if (v.activeRanks().nextSetBit(0) == rank) {
          sendPlacement(v, s.rank());
        }
        RepairPlan plan = planner.planRejoin(placement, v.activeRanks(), s.rank(), bytesPerExpert(), catalog);
        for (RepairAction a : plan.actions()) {
          if (a.source() == Tier.PEER && a.sourceRank() == rank) {
            sendWeights(v, a);
          }
        }
      }
    }
  }

  private void repair(MembershipView v, RepairPlan plan) throws InterruptedException {
    if (plan.actions().isEmpty() && plan.missingExperts().isEmpty()) {
      return;
    }
    LOG.info("rank {} recovery plan at {}: {} orphans restored, missing {}, estimated {} s", rank, v.summary(),
        plan.actions().size(), plan.missingExperts(), String.format("%.4f", plan.estimatedSeconds()));
    for (RepairAction a : plan.actions()) {
      if (a.source() == Tier.PEER && a.sourceRank() == rank) {
        sendWeights(v, a);
      }
    }
    for (RepairAction a : plan.actions()) {
      if (a.targetRank() == rank) {
        executeLoad(v.epoch(), a, null);
      }
    }
    placement = plan.after();
  }

  private void sendPlacement(MembershipView v, int joiner) {
    int[] map = placement.physicalToLogical();
    ByteBuffer buf = ByteBuffer.allocate(4 + 4 * map.length).order(ByteOrder.LITTLE_ENDIAN).putInt(map.length);
    for (int e : map) {
      buf.putInt(e);
    }
    try {
      transport.send(joiner, new MessageHeader(rank, incarnation, v.epoch(), 0, 0, Phase.CONTROL, PLACEMENT_TAG), buf.flip());
    } catch (TransportException e) {
      LOG.warn("rank {} could not send the placement to joining rank {}: {}", rank, joiner, e.getMessage());
    }
  }

  private void sendWeights(MembershipView v, RepairAction a) {
    int local = -1;
    for (int s = 0; s < slotsPerRank; s++) {
      if (experts.holds(s) == a.expert()) {
        local = s;
        break;
      }
    }
    if (local < 0) {
      LOG.warn("rank {} was asked to send expert {} it does not hold", rank, a.expert());
      return;
    }
    int n = model.hiddenSize() * model.moeIntermediateSize();
    for (int l = 0; l < model.numLayers(); l++) {
      ByteBuffer buf = ByteBuffer.allocate(3 * n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (NDArray w : experts.weights(l, local)) {
        buf.asFloatBuffer().put(w.toFloatArray());
        buf.position(buf.position() + n * Float.BYTES);
      }
      try {
        transport.send(a.targetRank(), new MessageHeader(rank, incarnation, v.epoch(), 0, l, Phase.WEIGHTS,
            a.physicalSlot() % slotsPerRank), buf.flip());
      } catch (TransportException e) {
        LOG.warn("rank {} could not send weights to rank {}: {}", rank, a.targetRank(), e.getMessage());
        return;
      }
    }
  }

  /** The first exchange of an epoch: agree on the step to resume from. Returns false if the epoch changed meanwhile. */
  private boolean sync() throws InterruptedException {
    MembershipView v = applied;
    int[] peers = peers(v);
    ByteBuffer mine = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, nextStep);
    long resume = nextStep;
    try {
      for (int p : peers) {
        exchange.send(p, new MessageHeader(rank, incarnation, v.epoch(), 0, 0, Phase.SYNC, 0), mine.duplicate());
      }
      for (int p : peers) {
        long theirs = exchange.receive(new MessageKey(p, v.epoch(), 0, 0, Phase.SYNC, 0)).payload().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (theirs >= 0) {
          resume = resume < 0 ? theirs : Math.min(resume, theirs);
        }
      }
    } catch (StepAborted e) {
      awaitNewerView();
      return false;
    }
    rollbackTo(Math.max(resume, 0));
    return true;
  }

  private void rollbackTo(long resume) {
    if (resume == nextStep) {
      return;
    }
    if (nextStep < 0) {
      nextStep = resume;
      return;
    }
    if (resume == nextStep - 1 && completedStep == resume) {
      for (Map.Entry<ActiveRequest, Long> e : startOfCompletedStep.entrySet()) {
        ActiveRequest r = e.getKey();
        r.restore(e.getValue());
        if (!batch.contains(r)) {
          batch.add(r);
          retired.remove(r);
        }
      }
      LOG.info("rank {} re-runs step {} ({} requests restored)", rank, resume, startOfCompletedStep.size());
      nextStep = resume;
      return;
    }
    LOG.warn("rank {} cannot roll back from step {} to {}; resetting its step counter", rank, nextStep, resume);
    stepStateResets.incrementAndGet();
    nextStep = resume;
  }

  private int[] peers(MembershipView v) {
    return v.activeRanks().stream().filter(r -> r != rank).toArray();
  }

  private void admitArrivals() {
    ActiveRequest r;
    while (batch.size() < maxBatch && (r = arrivals.poll()) != null) {
      if (r.state.result().isDone() || !r.state.ownedBy(r.ownerKey)) {
        continue;
      }
      batch.add(r);
    }
  }

  private void runStep() throws InterruptedException {
    MembershipView v = applied;
    long step = nextStep;
    startOfStep.clear();
    for (ActiveRequest r : batch) {
      startOfStep.put(r, r.checkpoint());
    }
    EpStep.Outcome out;
    try (NDManager scratch = manager.newSubManager()) {
      boolean logits = batch.stream().anyMatch(r -> r.state.wantsLogits());
      out = stepper.run(scratch, batch, peers(v), v.epoch(), incarnation, step, exchange, logits);
    }
    // Commit: emit tokens, advance positions, retire finished requests.
    for (ActiveRequest r : retired) {
      r.close();
    }
    retired.clear();
    List<ActiveRequest> done = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      ActiveRequest r = batch.get(i);
      if (out.refused()[i] != null) {
        r.state.fail(new RequestRejectedException("request " + r.state.request().id() + " refused: " + out.refused()[i]
            + " (eep_on_coverage_loss=refuse)"));
        done.add(r);
        continue;
      }
      if (out.degraded()[i]) {
        r.markDegraded();
      }
      if (r.producesToken()) {
        int index = r.outputIndex();
        r.state.emit(r.ownerKey, index, out.tokens()[i], r.degraded(), out.logits() == null ? null : out.logits()[i]);
        tokensEmitted.incrementAndGet();
      }
      r.advance(out.tokens()[i]);
      if (r.finished() || r.state.result().isDone() || !r.state.ownedBy(r.ownerKey)) {
        done.add(r);
      }
    }
    batch.removeAll(done);
    retired.addAll(done);
    Map<ActiveRequest, Long> t = startOfCompletedStep;
    startOfCompletedStep = startOfStep;
    startOfStep = t;
    completedStep = step;
    nextStep = step + 1;
    stepsCompleted.incrementAndGet();
  }

  private void idleIfNothingToDo() {
    if (batch.isEmpty() && arrivals.isEmpty() && learned.isEmpty() && !stopped) {
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** After an aborted step: the step cannot be re-run in the same epoch, so wait for the next view. */
  private void awaitNewerView() throws InterruptedException {
    while (learned.isEmpty() && !stopped) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private void failAll(RuntimeException e) {
    for (ActiveRequest r : batch) {
      r.state.fail(e);
    }
    ActiveRequest r;
    while ((r = arrivals.poll()) != null) {
      r.state.fail(e);
    }
  }

  private void onPeerError(int peer, Throwable cause) {
    MembershipView v = applied;
    if (v == null || stopped) {
      return;
    }
    breaker(peer).transitionToOpenState();
    membership.reportEvidence(new Evidence.TransportError(peer, v.slot(peer).incarnation(), rank, String.valueOf(cause.getMessage())));
  }

  /**
   * The breaker of one peer. It opens on a confirmed failure (a transport error) and stays open
   * until that peer's slot is re-connected to a new incarnation, so no step waits on a peer already
   * judged dead. Deadline misses alone never open it: they are suspicion for the coordinator.
   */
  private synchronized CircuitBreaker breaker(int peer) {
    return breakers.computeIfAbsent(peer, p -> CircuitBreaker.of("rank-" + rank + "-peer-" + p, CircuitBreakerConfig.custom()
        .waitDurationInOpenState(Duration.ofDays(1))
        .build()));
  }

  /** The step's view of the transport: deadlines become suspicion, errors become evidence, epochs abort. */
  private final EpStep.Exchange exchange = new EpStep.Exchange() {
    @Override
    public void send(int peer, MessageHeader header, ByteBuffer payload) {
      if (stopped) {
        throw new Killed();
      }
      if (breaker(peer).getState() == CircuitBreaker.State.OPEN) {
        throw new StepAborted();
      }
      try {
        transport.send(peer, header, payload);
      } catch (TransportException e) {
        suspect(peer, e, true);
        throw new StepAborted();
      }
    }

    @Override
    public Message receive(MessageKey key) throws InterruptedException {
      CircuitBreaker cb = breaker(key.sender());
      boolean suspected = false;
      while (true) {
        if (stopped) {
          throw new Killed();
        }
        if (cb.getState() == CircuitBreaker.State.OPEN) {
          throw new StepAborted();
        }
        try {
          return transport.receive(key, stepTimeout);
        } catch (ReceiveTimeoutException e) {
          // Suspicion, not eviction: report once and keep waiting; a new view ends the wait.
          if (!suspected) {
            suspected = true;
            suspect(key.sender(), e, false);
          }
        } catch (EpochChangedException e) {
          throw new StepAborted();
        } catch (PeerFailedException e) {
          suspect(key.sender(), e, true);
          throw new StepAborted();
        }
      }
    }
  };

  private void suspect(int peer, Exception e, boolean confirmed) {
    MembershipView v = applied;
    long inc = v.slot(peer).incarnation();
    if (confirmed) {
      breaker(peer).transitionToOpenState();
      membership.reportEvidence(new Evidence.TransportError(peer, inc, rank, e.getMessage()));
    } else {
      membership.reportEvidence(new Evidence.DeadlineMiss(peer, inc, rank, e.getMessage()));
    }
  }

  /** Unwinds a step that cannot finish in its epoch. */
  static final class StepAborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StepAborted() {
      super(null, null, false, false);
    }
  }

  /** Unwinds the rank thread after {@link #kill}. */
  static final class Killed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Killed() {
      super(null, null, false, false);
    }
  }
}
