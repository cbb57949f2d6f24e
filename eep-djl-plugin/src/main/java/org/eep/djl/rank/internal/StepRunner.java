package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.step.ActiveRequest;
import org.eep.djl.step.EpStep;
import org.eep.djl.step.Exchange;
import org.eep.djl.step.KvPool;
import org.eep.djl.step.RequestOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rank's batch and its steps: admits arrived requests between steps, runs one step at a time,
 * commits its outcomes (tokens emitted once per index, finished requests retired) and keeps the
 * state every request had at the start of the last completed step, so that step can be re-run when
 * the next epoch's SYNC agrees on it. A retired request keeps its KV cache until the step after,
 * for the same reason. A request refused because an expert it chose has no replica is
 * <em>parked</em> instead, with its state, tokens and KV blocks, for up to {@code
 * eep_coverage_wait_ms}: it rejoins the batch when the uncovered experts change (a rejoin or a
 * repair restored some), and fails naming them when the wait is over. Used by the rank thread;
 * {@link #submit} from any thread.
 */
final class StepRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  private final int rank;
  private final EpStep step;
  private final KvPool kv;
  private final Exchange exchange;
  private final RankCounters counters;
  private final NDManager manager;
  private final int maxBatch;
  private final Queue<ActiveRequest> arrivals;
  private final List<ActiveRequest> batch = new ArrayList<>();
  private final List<ActiveRequest> retired = new ArrayList<>();
  private final List<Parked> parked = new ArrayList<>();
  private final Supplier<int[]> uncovered;
  private final long coverageWaitNanos;
  private Map<ActiveRequest, ActiveRequest.Mark> startOfStep = new IdentityHashMap<>();
  private Map<ActiveRequest, ActiveRequest.Mark> startOfCompletedStep = new IdentityHashMap<>();
  private long completedStep = -1;
  private long nextStep = -1;

  /**
   * {@code arrivals}: the queue other threads hand requests to; they join the batch between steps.
   */
  StepRunner(
      int rank,
      EpStep step,
      KvPool kv,
      Exchange exchange,
      RankCounters counters,
      NDManager manager,
      int maxBatch,
      Queue<ActiveRequest> arrivals,
      Supplier<int[]> uncovered,
      Duration coverageWait) {
    this.rank = rank;
    this.uncovered = requireNonNull(uncovered, "uncovered is null");
    this.coverageWaitNanos = coverageWait.toNanos();
    this.arrivals = requireNonNull(arrivals, "arrivals is null");
    this.step = requireNonNull(step, "step is null");
    this.kv = requireNonNull(kv, "kv is null");
    this.exchange = requireNonNull(exchange, "exchange is null");
    this.counters = requireNonNull(counters, "counters is null");
    this.manager = requireNonNull(manager, "manager is null");
    this.maxBatch = maxBatch;
  }

  /**
   * A request waiting for coverage: since when, until when, and the experts without a replica when
   * it was parked (it resumes once that set changes).
   */
  private record Parked(ActiveRequest request, long deadline, int[] missing, String reason) {}

  /** True if nothing is to be stepped or admitted. */
  boolean idle() {
    return batch.isEmpty() && arrivals.isEmpty();
  }

  /** The step this rank would run next (-1 before its first SYNC). */
  long nextStep() {
    return nextStep;
  }

  /**
   * Moves arrived requests into the batch while it has room and the KV pool has blocks for them; a
   * request that would never fit the pool is refused, one that does not fit now waits.
   */
  void admit() {
    resumeParked();
    ActiveRequest r;
    while (batch.size() < maxBatch && (r = arrivals.peek()) != null) {
      if (!r.live()) {
        arrivals.poll();
        continue;
      }
      if (r.positionsNeeded() > kv.capacity()) {
        arrivals.poll();
        r.state()
            .fail(
                new RequestRejectedException(
                    "request "
                        + r.state().request().id()
                        + " needs "
                        + r.positionsNeeded()
                        + " KV positions (prompt + max_new_tokens) but rank "
                        + rank
                        + "'s KV pool holds "
                        + kv.capacity()
                        + " (eep_kv_cache_tokens)"));
        continue;
      }
      if (!r.reserve(kv)) {
        return; // the pool is full: it waits for a finished request's blocks
      }
      arrivals.poll();
      r.admitted(Math.max(nextStep, 0));
      counters.admitted.increment();
      batch.add(r);
    }
  }

  /**
   * Parked requests whose wait is over fail naming the experts; the others rejoin the batch once
   * the uncovered experts are not the ones they were parked on.
   */
  private void resumeParked() {
    if (parked.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    int[] missing = uncovered.get();
    for (Iterator<Parked> it = parked.iterator(); it.hasNext(); ) {
      Parked p = it.next();
      ActiveRequest r = p.request();
      if (!r.live()) {
        it.remove();
        r.close();
      } else if (!Arrays.equals(missing, p.missing())) {
        it.remove();
        counters.parkResumed.increment();
        batch.add(r);
        LOG.info(
            "rank {} resumes request {}: the experts without a replica are now {}",
            rank,
            r.state().request().id(),
            Arrays.toString(missing));
      } else if (now - p.deadline() >= 0) {
        it.remove();
        counters.parkExpired.increment();
        r.state()
            .fail(
                new RequestRejectedException(
                    "request "
                        + r.state().request().id()
                        + " waited "
                        + TimeUnit.NANOSECONDS.toMillis(coverageWaitNanos)
                        + " ms (eep_coverage_wait_ms) for coverage that did not return: "
                        + p.reason()));
        r.close();
      }
    }
    counters.parkedNow.set(parked.size());
  }

  /** Runs the next step of epoch {@code epoch} with {@code peers} and commits it. */
  void run(long epoch, int[] peers) throws InterruptedException {
    long s = nextStep;
    startOfStep.clear();
    for (ActiveRequest r : batch) {
      startOfStep.put(r, r.mark());
    }
    List<RequestOutcome> outcomes;
    try (NDManager scratch = manager.newSubManager()) {
      boolean logits = batch.stream().anyMatch(r -> r.state().wantsLogits());
      outcomes = step.run(scratch, batch, peers, epoch, s, exchange, logits);
    }
    commit(outcomes, s);
    Map<ActiveRequest, ActiveRequest.Mark> t = startOfCompletedStep;
    startOfCompletedStep = startOfStep;
    startOfStep = t;
    completedStep = s;
    nextStep = s + 1;
    counters.stepsCompleted.increment();
  }

  private void commit(List<RequestOutcome> outcomes, long currentStep) {
    for (ActiveRequest r : retired) {
      r.close();
    }
    retired.clear();
    List<ActiveRequest> done = new ArrayList<>();
    List<ActiveRequest> waiting = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      ActiveRequest r = batch.get(i);
      RequestOutcome o = outcomes.get(i);
      if (o instanceof RequestOutcome.Refused refused) {
        if (coverageWaitNanos > 0) {
          parked.add(
              new Parked(
                  r, System.nanoTime() + coverageWaitNanos, uncovered.get(), refused.reason()));
          counters.parked.increment();
          waiting.add(r);
          LOG.info(
              "rank {} parks request {}: {}", rank, r.state().request().id(), refused.reason());
          continue;
        }
        r.state()
            .fail(
                new RequestRejectedException(
                    "request "
                        + r.state().request().id()
                        + " refused: "
                        + refused.reason()
                        + " (eep_on_coverage_loss=refuse)"));
        done.add(r);
        continue;
      }
      if (o instanceof RequestOutcome.Prefilled prefilled) {
        if (prefilled.degraded()) {
          r.markDegraded();
        }
        if (prefilled.positions() > 0) {
          counters.prefillChunks.increment();
          counters.prefillPositions.add(prefilled.positions());
          r.advance(prefilled.positions(), -1);
        }
        continue;
      }
      RequestOutcome.Produced p = (RequestOutcome.Produced) o;
      if (p.degraded()) {
        r.markDegraded();
      }
      int span = p.positions();
      if (span > 1) {
        counters.prefillChunks.increment();
        counters.prefillPositions.add(span);
      }
      long waited = r.stepsSinceAdmission(currentStep);
      if (waited > 0) {
        counters.maxStepsToToken.accumulateAndGet(waited, Math::max);
      }
      // Counted first: emitting the last token completes the request, and whoever waits on it may
      // read the counters at once.
      counters.tokensEmitted.increment();
      r.state().emit(r.owner(), r.outputIndex(), p.token(), r.degraded(), p.logits());
      r.advance(span, p.token());
      if (r.finished() || !r.live()) {
        done.add(r);
      }
    }
    batch.removeAll(done);
    batch.removeAll(waiting);
    retired.addAll(done);
    counters.parkedNow.set(parked.size());
  }

  /**
   * Makes {@code resume} the next step: restores the last completed step's start when it is the one
   * to re-run; a first SYNC just adopts it; anything else resets the step counter (counted).
   */
  void rollbackTo(long resume) {
    if (resume == nextStep) {
      return;
    }
    if (nextStep < 0) {
      nextStep = resume;
      return;
    }
    if (resume == nextStep - 1 && completedStep == resume) {
      for (Map.Entry<ActiveRequest, ActiveRequest.Mark> e : startOfCompletedStep.entrySet()) {
        ActiveRequest r = e.getKey();
        r.restore(e.getValue());
        if (!batch.contains(r)) {
          batch.add(r);
          retired.remove(r);
          parked.removeIf(p -> p.request() == r);
        }
      }
      counters.stepsRerun.increment();
      LOG.info(
          "rank {} re-runs step {} ({} requests restored)",
          rank,
          resume,
          startOfCompletedStep.size());
      nextStep = resume;
      return;
    }
    LOG.warn(
        "rank {} cannot roll back from step {} to {}; resetting its step counter",
        rank,
        nextStep,
        resume);
    counters.stepStateResets.increment();
    nextStep = resume;
  }

  /** Fails every request in the batch, parked, or waiting for it. */
  void failAll(RuntimeException e) {
    for (ActiveRequest r : batch) {
      r.state().fail(e);
    }
    for (Parked p : parked) {
      p.request().state().fail(e);
    }
    ActiveRequest r;
    while ((r = arrivals.poll()) != null) {
      r.state().fail(e);
    }
  }

  @Override
  public void close() {
    for (ActiveRequest r : batch) {
      r.close();
    }
    for (ActiveRequest r : retired) {
      r.close();
    }
    for (Parked p : parked) {
      p.request().close();
    }
  }
}
