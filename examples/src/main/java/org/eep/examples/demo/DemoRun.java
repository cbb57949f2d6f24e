package org.eep.examples.demo;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.rank.RankStats;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.examples.DaemonThreads;
import org.eep.placement.Sizing;

/**
 * One demo run, programmatically: starts an EP instance (ranks as threads of this JVM, or as
 * processes of this machine when {@link Scenario#multiProcess()}; see {@link DemoInstance}), drives
 * it with seeded load (open-loop Poisson arrivals or closed-loop clients), carries out the
 * scenario's faults on time, records every token, view, fault and repair, drains in-flight
 * requests, closes the instance and checks every completed request against the reference model.
 * {@link #recorder()} and {@link #phase()} may be read from other threads while it runs (the live
 * terminal view does).
 */
public final class DemoRun {
  /** Where a run is. */
  public enum Phase {
    STARTING,
    RUNNING,
    DRAINING,
    VERIFYING,
    DONE
  }

  /** A rank incarnation's counters and where its step time went, at the end of the run. */
  public record RankSnapshot(RankStats stats, long denseNanos, long commNanos, long expertNanos) {}

  /** One executed repair and the rank incarnation that carried it out. */
  public record RankRepair(int rank, long incarnation, ExecutedRepair repair) {}

  /**
   * What a run produced.
   *
   * @param loadEndMs when the load stopped, ms after the start of the load
   * @param startMs how long the instance took to start (every rank loading its weights), ms
   */
  public record Result(
      Scenario scenario,
      Recorder recorder,
      double loadEndMs,
      double endMs,
      double startMs,
      List<RankSnapshot> rankStats,
      List<RankRepair> repairs,
      Verifier.Result verification,
      int slotsPerRank) {}

  private final Scenario scenario;
  private final Path modelDir;
  private final ConcurrentLinkedQueue<CompletableFuture<GenerationResult>> inFlight =
      new ConcurrentLinkedQueue<>();
  private final List<RankRepair> repairs = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> rebalancesLogged = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextRequest = new AtomicInteger();
  private volatile Phase phase = Phase.STARTING;
  private volatile Recorder recorder;
  private volatile DemoInstance cluster;
  private volatile boolean loading;
  private volatile Verifier verifier;
  private RequestFactory factory;

  public DemoRun(Scenario scenario, Path modelDir) {
    List<String> problems = scenario.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    this.scenario = scenario;
    this.modelDir = modelDir;
  }

  public Scenario scenario() {
    return scenario;
  }

  public Phase phase() {
    return phase;
  }

  /** The recorder of the running load; null until the instance serves. */
  public Recorder recorder() {
    return recorder;
  }

  /** The verifier once verification has started, else null. */
  public Verifier verifier() {
    return verifier;
  }

  /** The latest view the instance's observer learned, or null before the start. */
  public MembershipView view() {
    DemoInstance c = cluster;
    return c == null ? null : c.view();
  }

  /** Requests in flight in the instance. */
  public int outstanding() {
    DemoInstance c = cluster;
    return c == null ? 0 : c.outstanding();
  }

  /** Runs the scenario to the end (load, drain, verification) and returns what it recorded. */
  public Result run() throws Exception {
    MoeConfig model = MoeConfig.read(modelDir);
    factory = new RequestFactory(scenario.seed(), model.vocabSize(), scenario.shape());
    Result result;
    try (NDManager manager = NDManager.newBaseManager()) {
      long s0 = System.nanoTime();
      DemoInstance c =
          scenario.multiProcess()
              ? ProcessInstance.start(scenario, modelDir)
              : InProcessInstance.start(scenario, modelDir, manager);
      double startMs = (System.nanoTime() - s0) / 1e6;
      cluster = c;
      ScheduledExecutorService monitor =
          Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("eep-demo-monitor"));
      AutoCloseable subscription = null;
      double loadEndMs;
      double endMs;
      List<RankSnapshot> stats = new ArrayList<>();
      try {
        Recorder rec = new Recorder();
        subscription = c.observer().subscribe(v -> onView(rec, v));
        recorder = rec;
        phase = Phase.RUNNING;
        monitor.scheduleWithFixedDelay(
            this::collectRepairs, c.pollMs(), c.pollMs(), TimeUnit.MILLISECONDS);
        loading = true;
        Thread load = startLoad(rec);
        Map<Integer, Predicate<MembershipView>> rejoined = runFaults(rec);
        waitUntil(rec.t0() + seconds(scenario.durationSeconds()));
        loading = false;
        load.join();
        loadEndMs = rec.nowMs();
        rec.event(
            "load", -1, "load stopped: " + nextRequest.get() + " requests submitted; draining");
        phase = Phase.DRAINING;
        drain(rec, rejoined);
        endMs = rec.nowMs();
        monitor.shutdownNow();
        subscription.close();
        subscription = null;
        collectRepairs();
        stats.addAll(c.snapshots());
      } finally {
        loading = false;
        monitor.shutdownNow();
        if (subscription != null) {
          subscription.close();
        }
        c.close();
        cluster = null;
      }
      int slotsPerRank = Sizing.slotsPerRank(Clusters.config(scenario, "x"), model.numExperts());
      Verifier.Result verification = null;
      if (scenario.verify()) {
        phase = Phase.VERIFYING;
        Verifier v =
            new Verifier(
                modelDir, Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
        verifier = v;
        verification = v.verify(recorder.requests());
      }
      List<RankRepair> reps;
      synchronized (repairs) {
        reps = List.copyOf(repairs);
      }
      stats.sort(
          Comparator.comparingInt((RankSnapshot x) -> x.stats().owner().rank())
              .thenComparingLong(x -> x.stats().owner().incarnation()));
      result =
          new Result(
              scenario,
              recorder,
              loadEndMs,
              endMs,
              startMs,
              List.copyOf(stats),
              reps,
              verification,
              slotsPerRank);
    } finally {
      phase = Phase.DONE;
    }
    return result;
  }

  private void onView(Recorder rec, MembershipView v) {
    rec.view(v);
    rec.event("view", -1, v.summary() + " " + v.cause());
  }

  // ---------------------------------------------------------------- load

  private Thread startLoad(Recorder rec) {
    return DaemonThreads.start(
        "eep-demo-load", scenario.clients() > 0 ? () -> closedLoop(rec) : () -> openLoop(rec));
  }

  /** Poisson arrivals at the scenario's rate, seeded. */
  private void openLoop(Recorder rec) {
    Random arrivals = new Random(scenario.seed() ^ 0x5DEECE66DL);
    long end = rec.t0() + seconds(scenario.durationSeconds());
    double next = 0;
    while (loading) {
      next += -Math.log(1 - arrivals.nextDouble()) / scenario.ratePerSecond();
      long at = rec.t0() + seconds(next);
      if (at >= end) {
        return;
      }
      waitUntil(at);
      if (!loading) {
        return;
      }
      submit(rec, null);
    }
  }

  /** {@code clients} clients, each submitting its next request when the previous one ends. */
  private void closedLoop(Recorder rec) {
    ScheduledExecutorService clients =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("eep-demo-clients"));
    try {
      // Staggered over the first second, so that the clients' requests do not all start (and
      // prefill) in the same step.
      for (int i = 0; i < scenario.clients(); i++) {
        clients.schedule(
            () -> submit(rec, clients), i * 1000L / scenario.clients(), TimeUnit.MILLISECONDS);
      }
      waitUntil(rec.t0() + seconds(scenario.durationSeconds()));
    } finally {
      clients.shutdown();
      // A submission still running is in flight before the load ends, so the drain waits for it
      // (one that started after the drain looked was closed with the instance: counted lost).
      try {
        if (!clients.awaitTermination(1, TimeUnit.MINUTES)) {
          rec.event("note", -1, "the load's clients did not stop within a minute");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Submits the next request; with {@code clients}, its end submits another one (closed loop). */
  private void submit(Recorder rec, ScheduledExecutorService clients) {
    if (!loading) {
      return;
    }
    int index = nextRequest.getAndIncrement();
    GenerationRequest req = factory.request(index);
    RequestRecord r = new RequestRecord(index, req, System.nanoTime());
    rec.request(r);
    CompletableFuture<GenerationResult> f;
    DemoInstance c = cluster;
    try {
      f =
          c.submit(
              req,
              (id, tokenIndex, token, owner) -> {
                long now = System.nanoTime();
                r.onToken(tokenIndex, token, now);
                rec.token(now, owner.rank());
              });
    } catch (RequestRejectedException e) {
      r.failed(e, System.nanoTime(), true);
      if (clients != null && loading) {
        clients.schedule(
            () -> submit(rec, clients),
            50,
            TimeUnit.MILLISECONDS); // back off, then retry with a new request
      }
      return;
    }
    inFlight.add(f);
    f.whenComplete(
        (res, err) -> {
          long now = System.nanoTime();
          if (err == null) {
            r.completed(res, now);
          } else {
            r.failed(
                err instanceof CompletionException && err.getCause() != null ? err.getCause() : err,
                now,
                false);
          }
          inFlight.remove(f);
          if (clients != null && loading) {
            try {
              clients.execute(() -> submit(rec, clients));
            } catch (RejectedExecutionException e) {
              // the load ended meanwhile
            }
          }
        });
  }

  // ---------------------------------------------------------------- faults

  /**
   * Carries out the scenario's faults at their times; returns the ranks that were brought back,
   * each with the condition of a view in which its newest incarnation is ACTIVE.
   */
  private Map<Integer, Predicate<MembershipView>> runFaults(Recorder rec) throws Exception {
    Map<Integer, Predicate<MembershipView>> rejoined = new LinkedHashMap<>();
    int leader = -1;
    for (FaultEvent f : scenario.faults()) {
      waitUntil(rec.t0() + seconds(f.atSeconds()));
      int r;
      if (f.target() instanceof FaultEvent.Target.Rank target) {
        r = target.rank();
        if (f.kind() != FaultEvent.Kind.REJOIN && cluster.coordinator().equals(OptionalInt.of(r))) {
          rec.event("note", r, "rank " + r + " is the leader");
        }
      } else if (f.kind() != FaultEvent.Kind.REJOIN || leader < 0) {
        OptionalInt now = cluster.coordinator();
        if (now.isEmpty()) {
          rec.event("note", -1, f.kind().id() + " leader: no rank coordinates now; skipped");
          continue;
        }
        r = leader = now.getAsInt();
        rec.event("note", r, "rank " + r + " is the leader");
      } else {
        r = leader;
      }
      switch (f.kind()) {
        case KILL -> kill(rec, r);
        case STOP -> stop(rec, r);
        case REJOIN -> {
          Predicate<MembershipView> back = rejoin(rec, r);
          if (back != null) {
            rejoined.put(r, back);
          }
        }
      }
    }
    return rejoined;
  }

  private void kill(Recorder rec, int r) throws Exception {
    if (!cluster.alive(r)) {
      rec.event("note", r, "kill rank " + r + ": already dead");
      return;
    }
    cluster.beforeFault(r);
    rec.event("kill", r, "kill rank " + r + " (incarnation " + cluster.incarnation(r) + ")");
    cluster.kill(r);
  }

  private void stop(Recorder rec, int r) throws Exception {
    String unsupported = cluster.stopUnsupported();
    if (unsupported != null) {
      rec.event("note", r, "stop rank " + r + ": " + unsupported);
      return;
    }
    cluster.beforeFault(r);
    rec.event("stop", r, cluster.stopText(r));
    cluster.stop(r);
  }

  /**
   * Brings rank {@code r} back as a new incarnation once its old one is out of the instance; null
   * if skipped.
   */
  private Predicate<MembershipView> rejoin(Recorder rec, int r) throws Exception {
    if (scenario.membership().equals("static")) {
      rec.event(
          "note",
          r,
          "rejoin rank "
              + r
              + " skipped: static membership cannot take a rank back (the instance must restart)");
      return null;
    }
    if (cluster.running(r)) {
      rec.event("note", r, "rejoin rank " + r + " skipped: it is still running");
      return null;
    }
    MembershipView out =
        awaitView(
            v -> v.state() == InstanceState.FAILED || !v.slot(r).state().isMember(),
            Duration.ofSeconds(60));
    if (out == null || out.state() == InstanceState.FAILED) {
      rec.event(
          "note",
          r,
          "rejoin rank "
              + r
              + " skipped: "
              + (out == null ? "its slot was not released within 60 s" : "the instance FAILED"));
      return null;
    }
    rec.event("rejoin", r, cluster.rejoinText(r));
    return cluster.rejoin(r);
  }

  /** Blocks until the observer's view satisfies {@code condition}; null on timeout. */
  private MembershipView awaitView(Predicate<MembershipView> condition, Duration timeout)
      throws InterruptedException {
    return Clusters.awaitView(cluster.observer(), condition, timeout);
  }

  // ---------------------------------------------------------------- drain

  private void drain(Recorder rec, Map<Integer, Predicate<MembershipView>> rejoined)
      throws InterruptedException {
    long deadline = System.nanoTime() + seconds(scenario.drainSeconds());
    for (Map.Entry<Integer, Predicate<MembershipView>> e : rejoined.entrySet()) {
      int r = e.getKey();
      Predicate<MembershipView> back = e.getValue();
      long left = deadline - System.nanoTime();
      MembershipView v =
          awaitView(
              x -> x.state() == InstanceState.FAILED || back.test(x),
              Duration.ofNanos(Math.max(left, 0)));
      if (v == null) {
        rec.event(
            "note", r, "rank " + r + " did not become active again before the drain deadline");
      } else if (!rec.awaitRecorded(v.epoch(), 30_000)) {
        rec.event("note", r, "the view " + v.summary() + " was seen but not recorded within 30 s");
      }
    }
    List<CompletableFuture<GenerationResult>> pending = new ArrayList<>(inFlight);
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      // individual failures are recorded per request
    } catch (TimeoutException e) {
      rec.event(
          "note",
          -1,
          inFlight.size() + " requests still in flight after the drain deadline (counted as lost)");
    }
  }

  /** Every rank reports each rebalance: one event line per (epoch, snapshot, kind). */
  private void rebalanced(Recorder rec, int rank, RebalanceEvent e, long nanos) {
    if (e.kind() == RebalanceEvent.Kind.BALANCED
        || !rebalancesLogged.add(e.epoch() + "/" + e.snapshotId() + "/" + e.kind())) {
      return;
    }
    String what =
        switch (e.kind()) {
          case PLANNED ->
              String.format(
                  Locale.ROOT,
                  "rebalance planned from load snapshot %d: %d (layer, slot) loads, predicted imbalance %.3f -> %.3f",
                  e.snapshotId(),
                  e.loads(),
                  e.imbalanceBefore(),
                  e.imbalanceAfter());
          case SWITCHED ->
              String.format(
                  Locale.ROOT,
                  "rebalance %d switched after step %d (rank %d first): %d (layer, slot) loads",
                  e.snapshotId(),
                  e.step(),
                  rank,
                  e.loads());
          case ABANDONED -> "rebalance " + e.snapshotId() + " abandoned by a view change";
          case REVERTED -> "this epoch's rebalances undone before the view's repair";
          case BALANCED -> "";
        };
    rec.event(nanos, e.kind() == RebalanceEvent.Kind.SWITCHED ? "rebalance" : "note", rank, what);
  }

  private void collectRepairs() {
    DemoInstance c = cluster;
    if (c == null) {
      return;
    }
    Recorder rec = recorder;
    c.collect(
        (rank, e, nanos) -> {
          if (rec != null) {
            rebalanced(rec, rank, e, nanos);
          }
        },
        (rank, incarnation, done) -> {
          // One event per (epoch, tier) of what this poll found, so a rejoin's many loads read as
          // one line.
          Map<String, long[]> groups = new LinkedHashMap<>();
          for (ExecutedRepair x : done) {
            repairs.add(new RankRepair(rank, incarnation, x));
            long[] g =
                groups.computeIfAbsent(
                    "e" + x.epoch() + " " + x.action().source().name().toLowerCase(Locale.ROOT),
                    k -> new long[3]);
            g[0]++;
            g[1] += x.action().bytes();
            g[2] += (long) (x.actualSeconds() * 1e9);
          }
          if (rec != null) {
            for (Map.Entry<String, long[]> g : groups.entrySet()) {
              String[] k = g.getKey().split(" ");
              long[] v = g.getValue();
              rec.event(
                  "repair",
                  rank,
                  String.format(
                      Locale.ROOT,
                      "%s rank %d loaded %d expert%s from %s (%s) in %.1f ms",
                      k[0],
                      rank,
                      v[0],
                      v[0] == 1 ? "" : "s",
                      k[1],
                      Units.bytes(v[1]),
                      v[2] / 1e6));
            }
          }
        });
  }

  // ---------------------------------------------------------------- time

  static long seconds(double s) {
    return (long) (s * 1e9);
  }

  /** Parks until {@code deadlineNanos} (pacing of the scenario, not synchronisation). */
  private static void waitUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
