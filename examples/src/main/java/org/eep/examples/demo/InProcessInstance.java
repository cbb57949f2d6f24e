package org.eep.examples.demo;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.eep.api.config.EepConfig;
import org.eep.api.internal.local.LocalMembershipService;
import org.eep.api.internal.local.LocalTransportProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.metrics.PrometheusEndpoint;
import org.eep.djl.metrics.RankMetrics;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.repair.ExecutedRepair;

/**
 * Every rank a thread of this JVM ({@link EpCluster}, {@code local} or {@code tcp} transport,
 * {@code local} or {@code static} membership). A stop freezes the rank thread at its next step
 * hook, pauses its heartbeats and (on the {@code local} transport) its answers to probes; a rejoin
 * of a frozen rank kills it first.
 */
final class InProcessInstance extends RoutedInstance {
  private final FaultHooks hooks;
  private final EpCluster cluster;

  /** Per rank incarnation, the time of the newest rebalancing event handed on. */
  private final Map<RankRuntime, Long> rebalancesSeen = new ConcurrentHashMap<>();

  /** Every rank incarnation seen, with how many of its repairs were collected. */
  private final Map<RankRuntime, Integer> ranksSeen =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private final Optional<PrometheusEndpoint> metrics;

  private InProcessInstance(
      Scenario scenario, FaultHooks hooks, EpCluster cluster, EepConfig config) {
    super(scenario, cluster.router(), cluster.size(), "ranks as threads of this JVM");
    this.hooks = hooks;
    this.cluster = cluster;
    // With -o eep_metrics_port=N (0 = any free port) the instance's counters are served at /metrics
    // on loopback.
    this.metrics = PrometheusEndpoint.startIfEnabled(config, new RankMetrics(cluster));
    metrics.ifPresent(m -> System.out.println("eep demo: Prometheus metrics at " + m.uri()));
    for (int r = 0; r < cluster.size(); r++) {
      ranksSeen.put(cluster.rank(r), 0);
    }
  }

  static InProcessInstance start(Scenario s, Path modelDir, NDManager manager)
      throws InterruptedException {
    FaultHooks hooks = new FaultHooks(s.ranks());
    EepConfig config = Clusters.config(s, Clusters.freshInstance("demo"));
    return new InProcessInstance(
        s, hooks, Clusters.start(config, modelDir, manager, hooks), config);
  }

  @Override
  public long incarnation(int r) {
    return cluster.rank(r).incarnation();
  }

  @Override
  public boolean alive(int r) {
    RankRuntime rank = cluster.rank(r);
    ranksSeen.putIfAbsent(rank, 0);
    return !rank.state().isTerminal();
  }

  @Override
  public boolean running(int r) {
    RankRuntime old = cluster.rank(r);
    return !hooks.isFrozen(r) && old.serving();
  }

  @Override
  public void kill(int r) {
    cluster.kill(r);
  }

  @Override
  public String stopUnsupported() {
    return scenario.membership().equals("local")
        ? null
        : "not supported with membership " + scenario.membership();
  }

  @Override
  public OptionalInt coordinator() {
    for (int r = 0; r < cluster.size(); r++) {
      RankRuntime rank = cluster.rank(r);
      if (rank != null && rank.membership().coordinating()) {
        return OptionalInt.of(r);
      }
    }
    return OptionalInt.empty();
  }

  @Override
  public String stopText(int r) {
    return "stop rank " + r + " (frozen like SIGSTOP: no steps, no heartbeats)";
  }

  @Override
  public void stop(int r) {
    MembershipService m = cluster.rank(r).membership();
    if (!(m instanceof LocalMembershipService local)) {
      throw new IllegalStateException("stop rank " + r + ": " + stopUnsupported());
    }
    hooks.freeze(r);
    local.pauseHeartbeats(true);
    MembershipView v = cluster.rank(r).appliedView();
    if (v != null) {
      LocalTransportProvider.freeze(v.slot(r).address(), true);
    }
  }

  @Override
  public String rejoinText(int r) {
    return "restart rank " + r + " (new incarnation)";
  }

  @Override
  public Predicate<MembershipView> rejoin(int r) throws InterruptedException {
    RankRuntime old = cluster.rank(r);
    if (hooks.isFrozen(r)) {
      cluster.kill(r); // a stopped process is killed before its slot is taken again
      hooks.thaw(r);
    }
    RankRuntime rank = cluster.restart(r);
    ranksSeen.put(rank, 0);
    return x ->
        x.slot(r).state() == SlotState.ACTIVE
            && x.slot(r).incarnation() == rank.incarnation()
            && rank.incarnation() > 0;
  }

  @Override
  public void collect(RebalanceSink rebalances, RepairSink repairs) {
    collectRebalances(rebalances);
    collectRepairs(repairs);
  }

  private void collectRebalances(RebalanceSink sink) {
    List<RankRuntime> ranks;
    synchronized (ranksSeen) {
      ranks = new ArrayList<>(ranksSeen.keySet());
    }
    for (RankRuntime r : ranks) {
      long seen = rebalancesSeen.getOrDefault(r, Long.MIN_VALUE);
      long newest = seen;
      for (RebalanceEvent e : r.rebalances()) {
        if (e.atNanos() > seen) {
          sink.accept(r.rank(), e, e.atNanos());
          newest = Math.max(newest, e.atNanos());
        }
      }
      rebalancesSeen.put(r, newest);
    }
  }

  private void collectRepairs(RepairSink sink) {
    List<RankRuntime> ranks;
    synchronized (ranksSeen) {
      ranks = new ArrayList<>(ranksSeen.keySet());
    }
    for (RankRuntime r : ranks) {
      List<ExecutedRepair> done = r.repairs();
      int seen = ranksSeen.getOrDefault(r, 0);
      if (done.size() > seen) {
        sink.accept(r.rank(), r.incarnation(), done.subList(seen, done.size()));
      }
      ranksSeen.put(r, done.size());
    }
  }

  @Override
  public long pollMs() {
    return 100;
  }

  @Override
  public List<DemoRun.RankSnapshot> snapshots() {
    List<DemoRun.RankSnapshot> stats = new ArrayList<>();
    synchronized (ranksSeen) {
      for (RankRuntime r : ranksSeen.keySet()) {
        stats.add(
            new DemoRun.RankSnapshot(
                r.stats(),
                r.timings().denseNanos(),
                r.timings().commNanos(),
                r.timings().expertNanos()));
      }
    }
    return stats;
  }

  @Override
  public void close() {
    hooks.thawAll();
    metrics.ifPresent(PrometheusEndpoint::close);
    cluster.close();
  }
}
