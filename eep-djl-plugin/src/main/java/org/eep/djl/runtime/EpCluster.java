package org.eep.djl.runtime;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.placement.Sizing;
import org.eep.djl.placement.TierBandwidths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EP instance whose ranks run in this JVM, and its front end: validates requests, schedules
 * them over the serving ranks (data-parallel attention: each request lives on one rank), and
 * re-queues the requests of a rank that fails on survivors, where they continue from their prompt
 * plus the tokens already emitted. Fault injection ({@link #kill}, {@link #restart}) is what the
 * tests and the demo use. Thread-safe.
 */
public final class EpCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EpCluster.class);

  private final EpConfig ep;
  private final RankRuntime[] ranks;
  private final MembershipService observer;
  private final Map<String, RequestState> outstanding = new ConcurrentHashMap<>();
  private final ExecutorService requeue = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "eep-requeue");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger nextRank = new AtomicInteger();
  private final AtomicInteger requeued = new AtomicInteger();
  private final int queueCapacity;
  /** Bounds the requests in flight: beyond eep_queue_capacity, submit rejects instead of queueing without limit. */
  private final io.github.resilience4j.bulkhead.Bulkhead admission;

  /** The parts of an instance every rank shares. */
  public record EpConfig(EepConfig config, MoeConfig model, Path modelDir, int slotsPerRank, TransportProvider transports,
      MembershipProvider memberships, PlacementPolicy placementPolicy, TierBandwidths bandwidths, StepHooks hooks,
      NDManager manager) {
    public EpConfig {
      requireNonNull(config, "config is null");
      requireNonNull(model, "model is null");
    }

    RankSetup rank(int r) {
      return new RankSetup(r, config.with(EepKeys.RANK.name(), r), model, modelDir, slotsPerRank, transports, memberships,
          placementPolicy, bandwidths, true, hooks, manager);
    }
  }

  private EpCluster(EpConfig ep) {
    this.ep = ep;
    int n = ep.config().getInt(EepKeys.MAX_RANKS);
    this.ranks = new RankRuntime[n];
    this.queueCapacity = ep.config().getInt(EepKeys.QUEUE_CAPACITY);
    this.admission = io.github.resilience4j.bulkhead.Bulkhead.of("eep-admission", io.github.resilience4j.bulkhead.BulkheadConfig
        .custom().maxConcurrentCalls(queueCapacity).maxWaitDuration(Duration.ZERO).build());
    this.observer = ep.memberships().create(ep.config());
    observer.subscribe(this::onView);
  }

  /** Starts every rank and returns once all of them serve. */
  public static EpCluster start(EpConfig ep) throws InterruptedException {
    EpCluster c = new EpCluster(ep);
    try {
      for (int r = 0; r < c.ranks.length; r++) {
        c.ranks[r] = new RankRuntime(ep.rank(r)).start();
      }
      c.awaitServing(c.ranks.length, Duration.ofMinutes(5));
      return c;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /** Slots per rank for {@code model} under {@code config} ({@code eep_redundant_experts}). */
  public static int slotsPerRank(EepConfig config, MoeConfig model) {
    return Sizing.slotsPerRank(config, model.numExperts());
  }

  /**
   * Submits a request; its tokens reach {@code listener} in order, each once.
   *
   * @throws RequestRejectedException if the request is invalid, the queue is full, or coverage is lost under {@code refuse}
   */
  public CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener) {
    validate(request);
    int[] missing = uncoveredExperts();
    if (missing.length > 0 && !"drop".equals(ep.config().getString(EepKeys.ON_COVERAGE_LOSS))) {
      throw new RequestRejectedException("coverage lost: logical experts " + Arrays.toString(missing)
          + " have no replica on an active rank (eep_on_coverage_loss=refuse)");
    }
    if (!admission.tryAcquirePermission()) {
      throw new RequestRejectedException("overloaded: " + queueCapacity + " requests outstanding (eep_queue_capacity="
          + queueCapacity + "); retry later");
    }
    RequestState state = new RequestState(request, listener);
    if (outstanding.putIfAbsent(request.id(), state) != null) {
      admission.onComplete();
      throw new RequestRejectedException("request id " + request.id() + " is already in flight");
    }
    state.result().whenComplete((r, t) -> {
      outstanding.remove(request.id());
      admission.onComplete();
    });
    if (!dispatch(state)) {
      state.fail(new RequestRejectedException("no rank is serving"));
    }
    return state.result();
  }

  private void validate(GenerationRequest r) {
    MoeConfig m = ep.model();
    if (r.promptLength() == 0) {
      throw new RequestRejectedException("request " + r.id() + ": the prompt is empty");
    }
    for (int i = 0; i < r.promptLength(); i++) {
      int t = r.promptToken(i);
      if (t < 0 || t >= m.vocabSize()) {
        throw new RequestRejectedException("request " + r.id() + ": prompt token " + i + " is " + t + ", outside the vocabulary [0, "
            + m.vocabSize() + ")");
      }
    }
    int limit = ep.config().getInt(EepKeys.MAX_NEW_TOKENS);
    if (r.maxNewTokens() <= 0 || r.maxNewTokens() > limit) {
      throw new RequestRejectedException("request " + r.id() + ": max_new_tokens is " + r.maxNewTokens() + ", must be in [1, " + limit
          + "] (eep_max_new_tokens)");
    }
    if (r.promptLength() + r.maxNewTokens() > m.maxPositions()) {
      throw new RequestRejectedException("request " + r.id() + ": prompt (" + r.promptLength() + ") + max_new_tokens ("
          + r.maxNewTokens() + ") exceeds the model's " + m.maxPositions() + " positions");
    }
  }

  /** Hands a request to the serving rank with the fewest outstanding requests. */
  private boolean dispatch(RequestState state) {
    List<RankRuntime> serving = new ArrayList<>();
    MembershipView v = observer.currentView();
    for (RankRuntime r : ranks) {
      // Serving in its own eyes and ACTIVE in the newest view: a frozen rank still believes it serves.
      if (r != null && r.serving() && v.isActive(r.rank()) && v.slot(r.rank()).incarnation() == r.incarnation()) {
        serving.add(r);
      }
    }
    if (serving.isEmpty()) {
      return false;
    }
    RankRuntime best = null;
    long bestLoad = Long.MAX_VALUE;
    int start = nextRank.getAndIncrement();
    for (int i = 0; i < serving.size(); i++) {
      RankRuntime r = serving.get(Math.floorMod(start + i, serving.size()));
      long owner = r.ownerKey();
      long load = outstanding.values().stream().filter(s -> s.owner() == owner).count();
      if (load < bestLoad) {
        best = r;
        bestLoad = load;
      }
    }
    long owner = best.ownerKey();
    int[] emitted = state.assign(owner);
    best.submit(state, emitted, owner);
    return true;
  }

  private void onView(MembershipView v) {
    requeue.execute(() -> requeueLost(v));
  }

  /** Moves requests owned by incarnations that are no longer ACTIVE to serving ranks. */
  private void requeueLost(MembershipView v) {
    for (RequestState s : outstanding.values()) {
      long owner = s.owner();
      int r = (int) (owner >>> 32);
      long inc = owner & 0xffffffffL;
      if (s.result().isDone() || owner < 0) {
        continue;
      }
      boolean lost = v.state() == InstanceState.FAILED || v.slot(r).incarnation() != inc || v.slot(r).state() != SlotState.ACTIVE;
      if (!lost) {
        continue;
      }
      if (v.state() == InstanceState.FAILED) {
        s.fail(new RequestRejectedException("instance failed: " + v.cause()));
        continue;
      }
      if (s.attempts() > ranks.length * 4) {
        s.fail(new RequestRejectedException("request " + s.request().id() + " lost its rank " + s.attempts() + " times; giving up"));
        continue;
      }
      requeued.incrementAndGet();
      LOG.info("re-queueing {} from rank {} (incarnation {}) after {} tokens", s.request().id(), r, inc, s.emitted());
      if (!dispatchWhenServing(s)) {
        s.fail(new RequestRejectedException("no rank is serving to take over request " + s.request().id()));
      }
    }
  }

  private boolean dispatchWhenServing(RequestState s) {
    io.github.resilience4j.retry.Retry retry = io.github.resilience4j.retry.Retry.of("requeue",
        io.github.resilience4j.retry.RetryConfig.<Boolean>custom()
            .maxAttempts(200)
            .waitDuration(Duration.ofMillis(50))
            .retryOnResult(ok -> !ok)
            .build());
    return retry.executeSupplier(() -> dispatch(s));
  }

  /** Logical experts with no replica on an active rank, as the serving ranks see it. */
  public int[] uncoveredExperts() {
    for (RankRuntime r : ranks) {
      if (r != null && r.serving()) {
        return r.uncoveredExperts();
      }
    }
    return new int[0];
  }

  /** Blocks until {@code n} ranks serve. */
  public void awaitServing(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (servingCount() < n) {
      for (RankRuntime r : ranks) {
        if (r != null && r.failure() != null) {
          throw new IllegalStateException("rank " + r.rank() + " failed to start", r.failure());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(servingCount() + " of " + n + " ranks serving after " + timeout);
      }
      observer.awaitEpoch(observer.currentView().epoch() + 1, Duration.ofMillis(50));
    }
  }

  public int servingCount() {
    int n = 0;
    for (RankRuntime r : ranks) {
      if (r != null && r.serving()) {
        n++;
      }
    }
    return n;
  }

  /** Kills rank {@code r} abruptly (no leave): connections drop, heartbeats stop. */
  public void kill(int r) {
    LOG.info("killing rank {}", r);
    ranks[r].kill();
  }

  /** Starts a new incarnation of rank {@code r} (the old one must be dead); returns at once. */
  public RankRuntime restart(int r) {
    RankRuntime old = ranks[r];
    if (old != null && old.alive() && !old.evicted() && !old.killed()) {
      throw new IllegalStateException("rank " + r + " is still running");
    }
    if (old != null) {
      old.close();
    }
    ranks[r] = new RankRuntime(ep.rank(r)).start();
    return ranks[r];
  }

  public RankRuntime rank(int r) {
    return ranks[r];
  }

  public int size() {
    return ranks.length;
  }

  public MembershipService observer() {
    return observer;
  }

  /** The newest view this instance's front end has learned. */
  public MembershipView view() {
    return observer.currentView();
  }

  /** One line per outstanding request: id, owner rank/incarnation, tokens emitted (for diagnostics). */
  public String describeOutstanding() {
    StringBuilder sb = new StringBuilder();
    outstanding.values().forEach(st -> sb.append(st.request().id()).append(" owner=rank ").append(st.owner() >>> 32)
        .append("/inc ").append(st.owner() & 0xffffffffL).append(" emitted=").append(st.emitted()).append(" of ")
        .append(st.request().maxNewTokens()).append('\n'));
    return sb.toString();
  }

  public int requeued() {
    return requeued.get();
  }

  public int outstanding() {
    return outstanding.size();
  }

  /** Applies {@code action} to each live rank (stats collection). */
  public <T> List<T> eachRank(IntFunction<T> action) {
    List<T> out = new ArrayList<>();
    for (int r = 0; r < ranks.length; r++) {
      out.add(action.apply(r));
    }
    return out;
  }

  @Override
  public void close() {
    for (RequestState s : outstanding.values()) {
      s.fail(new RequestRejectedException("instance closed"));
    }
    for (RankRuntime r : ranks) {
      if (r != null) {
        r.stopStepping();
      }
    }
    for (RankRuntime r : ranks) {
      if (r != null) {
        r.close();
      }
    }
    requeue.shutdownNow();
    observer.close();
    HostBackup.drop(ep.config().getString(EepKeys.INSTANCE));
  }
}
