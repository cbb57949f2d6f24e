package org.eep.djl.frontend;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.eep.api.config.CoverageLossPolicy;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Owner;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.InvalidRequestException;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.RequestState;
import org.eep.djl.request.TokenListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end of an EP instance: validates requests, bounds the requests in flight (a
 * Resilience4j {@link Bulkhead}), hands each to the serving rank with the fewest, and when a view
 * shows a rank's incarnation gone, re-queues its unfinished requests on survivors, where they
 * continue from their prompt plus the tokens already emitted. While no rank serves, a re-queue is
 * retried by a Resilience4j {@link Retry} on a scheduler, so no thread waits. Works the same for
 * in-process ranks and rank processes. Thread-safe.
 */
public final class Router implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  private static final Duration REQUEUE_WAIT = Duration.ofMillis(50);
  private static final int REQUEUE_ATTEMPTS = 600;

  private final EepConfig config;
  private final MoeConfig model;
  private final IntFunction<RankEndpoint> ranks;
  private final int size;
  private final MembershipService observer;
  private final Map<String, RequestState> outstanding = new ConcurrentHashMap<>();
  private final ScheduledExecutorService requeue =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "eep-requeue");
            t.setDaemon(true);
            return t;
          });

  /** Re-dispatches a request while no rank serves: every 50 ms for 30 s, on {@link #requeue}. */
  private final Retry redispatch =
      Retry.of(
          "eep-requeue",
          RetryConfig.<Boolean>custom()
              .maxAttempts(REQUEUE_ATTEMPTS)
              .waitDuration(REQUEUE_WAIT)
              .retryOnResult(ok -> !ok)
              .build());

  /** Incarnations being drained: they get no new requests. */
  private final Set<Owner> draining = ConcurrentHashMap.newKeySet();

  private final AtomicInteger nextRank = new AtomicInteger();
  private final AtomicInteger requeued = new AtomicInteger();
  private final int queueCapacity;

  /**
   * Bounds the requests in flight: beyond eep_queue_capacity, submit rejects instead of queueing
   * without limit.
   */
  private final Bulkhead admission;

  private final AutoCloseable subscription;

  /**
   * @param ranks the current endpoint of each slot (may change when a rank restarts; null if none)
   * @param observer a membership handle that has not joined, used to follow views
   */
  public Router(
      EepConfig config,
      MoeConfig model,
      int size,
      IntFunction<RankEndpoint> ranks,
      MembershipService observer) {
    this.config = requireNonNull(config, "config is null");
    this.model = requireNonNull(model, "model is null");
    this.ranks = requireNonNull(ranks, "ranks is null");
    this.size = size;
    this.observer = requireNonNull(observer, "observer is null");
    this.queueCapacity = config.getInt(EepKeys.QUEUE_CAPACITY);
    this.admission =
        Bulkhead.of(
            "eep-admission",
            BulkheadConfig.custom()
                .maxConcurrentCalls(queueCapacity)
                .maxWaitDuration(Duration.ZERO)
                .build());
    this.subscription = observer.subscribe(v -> requeue.execute(() -> requeueLost(v)));
  }

  /**
   * Submits a request; its tokens reach {@code listener} in order, each once.
   *
   * @throws RequestRejectedException if the request is invalid, the queue is full, or coverage is
   *     lost under {@code refuse}
   */
  public CompletableFuture<GenerationResult> submit(
      GenerationRequest request, TokenListener listener) {
    validate(request);
    int[] missing = uncoveredExperts();
    if (missing.length > 0
        && config.getEnum(EepKeys.ON_COVERAGE_LOSS, CoverageLossPolicy.class)
            == CoverageLossPolicy.REFUSE) {
      throw new RequestRejectedException(
          "coverage lost: logical experts "
              + Arrays.toString(missing)
              + " have no replica on an active rank (eep_on_coverage_loss=refuse)");
    }
    if (!admission.tryAcquirePermission()) {
      throw new RequestRejectedException(
          "overloaded: "
              + queueCapacity
              + " requests outstanding (eep_queue_capacity="
              + queueCapacity
              + "); retry later");
    }
    RequestState state = new RequestState(request, listener);
    if (outstanding.putIfAbsent(request.id(), state) != null) {
      admission.onComplete();
      throw new InvalidRequestException("request id " + request.id() + " is already in flight");
    }
    state
        .result()
        .whenComplete(
            (r, t) -> {
              outstanding.remove(request.id());
              admission.onComplete();
            });
    if (!dispatch(state)) {
      state.fail(new RequestRejectedException("no rank is serving"));
    }
    return state.result();
  }

  private void validate(GenerationRequest r) {
    if (r.promptLength() == 0) {
      throw new InvalidRequestException("request " + r.id() + ": the prompt is empty");
    }
    for (int i = 0; i < r.promptLength(); i++) {
      int t = r.promptToken(i);
      if (t < 0 || t >= model.vocabSize()) {
        throw new InvalidRequestException(
            "request "
                + r.id()
                + ": prompt token "
                + i
                + " is "
                + t
                + ", outside the vocabulary [0, "
                + model.vocabSize()
                + ")");
      }
    }
    int limit = config.getInt(EepKeys.MAX_NEW_TOKENS);
    if (r.maxNewTokens() <= 0 || r.maxNewTokens() > limit) {
      throw new InvalidRequestException(
          "request "
              + r.id()
              + ": max_new_tokens is "
              + r.maxNewTokens()
              + ", must be in [1, "
              + limit
              + "] (eep_max_new_tokens)");
    }
    if (r.promptLength() + r.maxNewTokens() > model.maxPositions()) {
      throw new InvalidRequestException(
          "request "
              + r.id()
              + ": prompt ("
              + r.promptLength()
              + ") + max_new_tokens ("
              + r.maxNewTokens()
              + ") exceeds the model's "
              + model.maxPositions()
              + " positions");
    }
    int kv = config.getInt(EepKeys.KV_CACHE_TOKENS);
    if (r.promptLength() + r.maxNewTokens() > kv) {
      throw new InvalidRequestException(
          "request "
              + r.id()
              + ": prompt ("
              + r.promptLength()
              + ") + max_new_tokens ("
              + r.maxNewTokens()
              + ") needs more KV positions than a rank's pool holds ("
              + kv
              + ", eep_kv_cache_tokens)");
    }
  }

  /**
   * Serving ranks: serving in their own eyes and ACTIVE with that incarnation in the newest view (a
   * frozen rank still believes it serves).
   */
  private List<RankEndpoint> serving() {
    List<RankEndpoint> out = new ArrayList<>();
    MembershipView v = observer.currentView();
    for (int i = 0; i < size; i++) {
      RankEndpoint r = ranks.apply(i);
      if (r != null && r.serving() && r.owner().isActiveIn(v) && !draining.contains(r.owner())) {
        out.add(r);
      }
    }
    return out;
  }

  /** Hands a request to the serving rank with the fewest outstanding requests. */
  private boolean dispatch(RequestState state) {
    List<RankEndpoint> serving = serving();
    if (serving.isEmpty()) {
      return false;
    }
    RankEndpoint best = null;
    long bestLoad = Long.MAX_VALUE;
    int start = nextRank.getAndIncrement();
    for (int i = 0; i < serving.size(); i++) {
      RankEndpoint r = serving.get(Math.floorMod(start + i, serving.size()));
      Optional<Owner> owner = Optional.of(r.owner());
      long load = outstanding.values().stream().filter(s -> s.owner().equals(owner)).count();
      if (load < bestLoad) {
        best = r;
        bestLoad = load;
      }
    }
    Owner owner = best.owner();
    int[] emitted = state.assign(owner);
    best.submit(state, emitted, owner);
    return true;
  }

  /** Moves requests owned by incarnations that are no longer ACTIVE to serving ranks. */
  private void requeueLost(MembershipView v) {
    for (RequestState s : outstanding.values()) {
      Optional<Owner> owner = s.owner();
      if (s.result().isDone() || owner.isEmpty()) {
        continue;
      }
      if (v.state() == InstanceState.FAILED) {
        s.fail(new RequestRejectedException("instance failed: " + v.cause()));
        continue;
      }
      if (owner.get().isActiveIn(v)) {
        continue;
      }
      if (s.attempts() > size * 4) {
        s.fail(
            new RequestRejectedException(
                "request "
                    + s.request().id()
                    + " lost its rank "
                    + s.attempts()
                    + " times; giving up"));
        continue;
      }
      requeued.incrementAndGet();
      LOG.info(
          "re-queueing {} from {} after {} tokens", s.request().id(), owner.get(), s.emitted());
      redispatch
          .executeCompletionStage(requeue, () -> CompletableFuture.completedFuture(dispatch(s)))
          .whenComplete(
              (dispatched, error) -> {
                if (error != null || !dispatched) {
                  s.fail(
                      new RequestRejectedException(
                          "no rank is serving to take over request " + s.request().id()));
                }
              });
    }
  }

  /** Logical experts with no replica on an active rank, as the serving ranks see it. */
  public int[] uncoveredExperts() {
    for (RankEndpoint r : serving()) {
      return r.uncoveredExperts();
    }
    return new int[0];
  }

  /**
   * Stops handing new requests to {@code owner} (a rank about to leave its slot); the requests it
   * holds move to the others when the view shows it gone.
   */
  public void drain(Owner owner) {
    draining.add(requireNonNull(owner, "owner is null"));
  }

  /** Outstanding requests per owning incarnation (requests waiting for a rank are not counted). */
  public Map<Owner, Long> load() {
    Map<Owner, Long> out =
        new TreeMap<>(Comparator.comparingInt(Owner::rank).thenComparingLong(Owner::incarnation));
    for (RequestState s : outstanding.values()) {
      s.owner().ifPresent(o -> out.merge(o, 1L, Long::sum));
    }
    return out;
  }

  public int servingCount() {
    return serving().size();
  }

  public MembershipService observer() {
    return observer;
  }

  public int requeued() {
    return requeued.get();
  }

  public int outstanding() {
    return outstanding.size();
  }

  /** One line per outstanding request: id, owner, tokens emitted (for diagnostics). */
  public String describeOutstanding() {
    StringBuilder sb = new StringBuilder();
    outstanding
        .values()
        .forEach(
            st ->
                sb.append(st.request().id())
                    .append(" owner=")
                    .append(st.owner().map(Owner::toString).orElse("none"))
                    .append(" emitted=")
                    .append(st.emitted())
                    .append(" of ")
                    .append(st.request().maxNewTokens())
                    .append('\n'));
    return sb.toString();
  }

  /** Fails every outstanding request and stops following views. */
  @Override
  public void close() {
    for (RequestState s : outstanding.values()) {
      s.fail(new RequestRejectedException("instance closed"));
    }
    try {
      subscription.close();
    } catch (Exception e) {
      LOG.debug("unsubscribe failed", e);
    }
    requeue.shutdownNow();
    observer.close();
  }
}
