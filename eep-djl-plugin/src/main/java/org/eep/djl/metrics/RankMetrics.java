package org.eep.djl.metrics;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.eep.api.comm.TransportStats;
import org.eep.api.membership.MembershipView;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.rank.RankStats;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.placement.repair.Tier;

/**
 * Micrometer meters of an EP instance running in this JVM ({@link EpCluster}): the instance as its
 * front end sees it, and each rank slot (tag {@code rank}). Names below are Micrometer's; the
 * Prometheus registry writes dots as underscores and adds {@code _total} to counters (and the base
 * unit, e.g. {@code _bytes_total}).
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code eep.instance.epoch}</td><td>gauge</td><td></td><td>epoch of the newest view the front end learned</td></tr>
 * <tr><td>{@code eep.instance.active.ranks}</td><td>gauge</td><td></td><td>ACTIVE slots in that view</td></tr>
 * <tr><td>{@code eep.instance.queue.depth}</td><td>gauge</td><td></td><td>requests outstanding ({@link EpCluster#outstanding()})</td></tr>
 * <tr><td>{@code eep.instance.uncovered.experts}</td><td>gauge</td><td></td><td>logical experts with no replica on an active rank</td></tr>
 * <tr><td>{@code eep.instance.requests.requeued}</td><td>counter</td><td></td><td>requests moved off a lost rank</td></tr>
 * <tr><td>{@code eep.rank.epoch}</td><td>gauge</td><td>rank</td><td>epoch of the view the rank applied (-1 before it joined)</td></tr>
 * <tr><td>{@code eep.rank.incarnation}</td><td>gauge</td><td>rank</td><td>incarnation serving the slot</td></tr>
 * <tr><td>{@code eep.rank.serving}</td><td>gauge</td><td>rank</td><td>1 while the rank steps as ACTIVE, else 0</td></tr>
 * <tr><td>{@code eep.rank.active.ranks}</td><td>gauge</td><td>rank</td><td>ACTIVE slots in the rank's applied view</td></tr>
 * <tr><td>{@code eep.rank.steps.completed}, {@code .aborted}</td><td>counter</td><td>rank</td><td>decode steps completed / aborted at an epoch change</td></tr>
 * <tr><td>{@code eep.rank.tokens.emitted}</td><td>counter</td><td>rank</td><td>tokens emitted (tokens/s: {@code rate(eep_rank_tokens_emitted_total[1m])})</td></tr>
 * <tr><td>{@code eep.rank.requests.parked}</td><td>gauge</td><td>rank</td><td>requests waiting for a lost expert's coverage to return ({@code eep_coverage_wait_ms})</td></tr>
 * <tr><td>{@code eep.rank.requests.park.expired}</td><td>counter</td><td>rank</td><td>parked requests that failed because it did not return in time</td></tr>
 * <tr><td>{@code eep.rank.rebalances}</td><td>counter</td><td>rank, outcome</td><td>live rebalancing: load snapshots agreed ({@code snapshot}), rebalances {@code switched}, {@code abandoned} before their switch, {@code reverted} by a view change</td></tr>
 * <tr><td>{@code eep.rank.rebalance.staged} (bytes)</td><td>counter</td><td>rank, tier</td><td>expert weights staged for rebalances, by source tier (peer, host, disk)</td></tr>
 * <tr><td>{@code eep.rank.expert.tokens}</td><td>gauge</td><td>rank, layer, expert</td><td>tokens the rank routed to the expert in the layer over the last {@code eep_rebalance_window_steps} steps</td></tr>
 * <tr><td>{@code eep.rank.fenced.messages}</td><td>counter</td><td>rank</td><td>messages dropped by epoch fencing (older epoch or stale incarnation)</td></tr>
 * <tr><td>{@code eep.rank.rebuilds}</td><td>counter</td><td>rank</td><td>routing-table, transport or step-state rebuilds (0 on healthy ranks)</td></tr>
 * <tr><td>{@code eep.rank.repairs}</td><td>counter</td><td>rank, tier</td><td>expert loads carried out by recovery or rejoin, by source tier (peer, host, disk)</td></tr>
 * <tr><td>{@code eep.rank.repair} (bytes)</td><td>counter</td><td>rank, tier</td><td>bytes of those loads</td></tr>
 * <tr><td>{@code eep.rank.repair.time} (seconds)</td><td>counter</td><td>rank, tier</td><td>time those loads took</td></tr>
 * <tr><td>{@code eep.transport.messages.sent}, {@code .delivered}</td><td>counter</td><td>rank</td><td>data-plane messages</td></tr>
 * <tr><td>{@code eep.transport.sent} (bytes)</td><td>counter</td><td>rank</td><td>payload bytes sent</td></tr>
 * <tr><td>{@code eep.transport.dropped}</td><td>counter</td><td>rank, reason</td><td>messages dropped: stale_epoch, stale_incarnation, duplicate, malformed, unauthenticated</td></tr>
 * </table>
 *
 * <p>Per-rank meters follow the slot, not one incarnation: after {@link EpCluster#restart} they
 * read the new {@link RankRuntime}, whose counters start again at 0 (Prometheus' {@code rate()} and
 * {@code increase()} handle such resets). {@code eep.rank.peer.breaker} is each rank's
 * circuit-breaker state for each peer (0 closed, 1 half-open: probing, 2 open: suspected, 3 forced
 * open: failure confirmed).
 *
 * <p>Everything is read at scrape time from the runtime's public accessors ({@link
 * RankRuntime#stats()}, {@link RankRuntime#repairs()}, {@link RankRuntime#transportStats()}, {@link
 * RankRuntime#peerStates()}); nothing is added to the step path. The meters hold the cluster weakly
 * (Micrometer's default): once it is gone they read NaN. Thread-safe.
 */
public final class RankMetrics implements MeterBinder {
  private final EpCluster cluster;

  /** Meters of {@code cluster}; register them with {@link #bindTo}. */
  public RankMetrics(EpCluster cluster) {
    this.cluster = requireNonNull(cluster, "cluster is null");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry is null");
    new InstanceMetrics(cluster.router()).bindTo(registry);
    for (int r = 0; r < cluster.size(); r++) {
      bindRank(registry, r);
    }
  }

  private void bindRank(MeterRegistry registry, int r) {
    Tags rank = Tags.of("rank", Integer.toString(r));
    gauge(
        registry,
        "eep.rank.epoch",
        rank,
        "Epoch of the view this rank applied (-1 before it joined)",
        x -> stats(x, r, RankStats::epoch));
    gauge(
        registry,
        "eep.rank.incarnation",
        rank,
        "Incarnation serving this slot",
        x -> stats(x, r, s -> s.owner().incarnation()));
    gauge(
        registry,
        "eep.rank.serving",
        rank,
        "1 while this rank steps as ACTIVE, else 0",
        x -> rank(x, r) == null ? Double.NaN : rank(x, r).serving() ? 1 : 0);
    gauge(
        registry,
        "eep.rank.active.ranks",
        rank,
        "ACTIVE slots in this rank's applied view",
        x -> {
          RankRuntime rt = rank(x, r);
          MembershipView v = rt == null ? null : rt.appliedView();
          return v == null ? Double.NaN : v.activeCount();
        });
    counter(
        registry,
        "eep.rank.steps.completed",
        rank,
        null,
        "Decode steps completed",
        x -> stats(x, r, s -> s.steps().completed()));
    counter(
        registry,
        "eep.rank.steps.aborted",
        rank,
        null,
        "Decode steps aborted (peer failure or epoch change)",
        x -> stats(x, r, s -> s.steps().aborted()));
    counter(
        registry,
        "eep.rank.steps.rerun",
        rank,
        null,
        "Completed decode steps run again after an epoch change (a peer had not completed them)",
        x -> stats(x, r, s -> s.steps().rerun()));
    counter(
        registry,
        "eep.rank.tokens.emitted",
        rank,
        null,
        "Tokens emitted to callers",
        x -> stats(x, r, RankStats::tokensEmitted));
    gauge(
        registry,
        "eep.rank.requests.parked",
        rank,
        "Requests waiting for a lost expert to get a replica back (eep_coverage_wait_ms)",
        x -> stats(x, r, s -> s.parking().waiting()));
    counter(
        registry,
        "eep.rank.requests.park.expired",
        rank,
        null,
        "Parked requests that failed because coverage did not return in time",
        x -> stats(x, r, s -> s.parking().expired()));
    counter(
        registry,
        "eep.rank.probes.sent",
        rank,
        null,
        "Data-plane probes sent to peers that fell silent (eep_probe_after_ms)",
        x -> stats(x, r, s -> s.probes().sent()));
    counter(
        registry,
        "eep.rank.probes.failed",
        rank,
        null,
        "Probes a peer left unanswered past eep_probe_timeout_ms, reported to the coordinator",
        x -> stats(x, r, s -> s.probes().failed()));
    Map<String, ToDoubleFunction<RankStats>> outcomes =
        Map.of(
            "snapshot", s -> s.rebalancing().snapshots(),
            "switched", s -> s.rebalancing().switched(),
            "abandoned", s -> s.rebalancing().abandoned(),
            "reverted", s -> s.rebalancing().reverted());
    outcomes.forEach(
        (outcome, f) ->
            counter(
                registry,
                "eep.rank.rebalances",
                rank.and("outcome", outcome),
                null,
                "Live rebalancing: snapshots agreed, rebalances switched, abandoned, reverted",
                x -> stats(x, r, f)));
    Map<String, ToDoubleFunction<RankStats>> staged =
        Map.of(
            "peer", s -> s.rebalancing().peerBytesStaged(),
            "host", s -> s.rebalancing().hostBytesStaged(),
            "disk", s -> s.rebalancing().diskBytesStaged());
    staged.forEach(
        (tier, f) ->
            counter(
                registry,
                "eep.rank.rebalance.staged",
                rank.and("tier", tier),
                "bytes",
                "Expert weights staged for rebalances, by source tier",
                x -> stats(x, r, f)));
    long[][] shape = cluster.rank(r) == null ? new long[0][] : cluster.rank(r).routedLoad();
    for (int l = 0; l < shape.length; l++) {
      for (int e = 0; e < shape[l].length; e++) {
        int layer = l;
        int expert = e;
        gauge(
            registry,
            "eep.rank.expert.tokens",
            rank.and("layer", Integer.toString(l), "expert", Integer.toString(e)),
            "Tokens the rank routed to the expert in the layer over the rebalance window",
            x -> routed(x, r, layer, expert));
      }
    }
    counter(
        registry,
        "eep.rank.fenced.messages",
        rank,
        null,
        "Messages dropped by epoch fencing (older epoch or stale incarnation)",
        x -> stats(x, r, RankStats::fencedMessages));
    counter(
        registry,
        "eep.rank.rebuilds",
        rank,
        null,
        "Routing-table re-allocations or step-state resets (0 on healthy ranks)",
        x -> stats(x, r, s -> s.rebuilds().total()));
    for (int p = 0; p < cluster.size(); p++) {
      if (p != r) {
        int peer = p;
        gauge(
            registry,
            "eep.rank.peer.breaker",
            rank.and("peer", Integer.toString(p)),
            "Circuit-breaker state of a peer: 0 closed, 1 half-open (probing), 2 open (suspected), 3 forced open (failed)",
            x -> breaker(x, r, peer));
      }
    }
    for (Tier tier : Tier.values()) {
      Tags tags = rank.and("tier", tier.name().toLowerCase(Locale.ROOT));
      counter(
          registry,
          "eep.rank.repairs",
          tags,
          null,
          "Expert loads by recovery or rejoin, by source tier",
          x -> repairs(x, r, tier, a -> 1));
      counter(
          registry,
          "eep.rank.repair",
          tags,
          "bytes",
          "Bytes of expert loads by recovery or rejoin, by source tier",
          x -> repairs(x, r, tier, a -> a.action().bytes()));
      counter(
          registry,
          "eep.rank.repair.time",
          tags,
          "seconds",
          "Time expert loads by recovery or rejoin took, by source tier",
          x -> repairs(x, r, tier, ExecutedRepair::actualSeconds));
    }
    counter(
        registry,
        "eep.transport.messages.sent",
        rank,
        null,
        "Data-plane messages sent",
        x -> transport(x, r, TransportStats::messagesSent));
    counter(
        registry,
        "eep.transport.sent",
        rank,
        "bytes",
        "Data-plane payload bytes sent",
        x -> transport(x, r, TransportStats::bytesSent));
    counter(
        registry,
        "eep.transport.messages.delivered",
        rank,
        null,
        "Data-plane messages received",
        x -> transport(x, r, TransportStats::messagesDelivered));
    dropped(registry, rank, r, "stale_epoch", TransportStats::droppedStaleEpoch);
    dropped(registry, rank, r, "stale_incarnation", TransportStats::droppedStaleIncarnation);
    dropped(registry, rank, r, "duplicate", TransportStats::droppedDuplicate);
    dropped(registry, rank, r, "malformed", TransportStats::droppedMalformed);
    dropped(registry, rank, r, "unauthenticated", TransportStats::droppedUnauthenticated);
  }

  private void dropped(
      MeterRegistry registry, Tags rank, int r, String reason, ToDoubleFunction<TransportStats> f) {
    counter(
        registry,
        "eep.transport.dropped",
        rank.and("reason", reason),
        null,
        "Data-plane messages dropped, by reason",
        x -> transport(x, r, f));
  }

  private void gauge(
      MeterRegistry registry, String name, Tags tags, String help, ToDoubleFunction<EpCluster> f) {
    Gauge.builder(name, cluster, f).tags(tags).description(help).register(registry);
  }

  private void counter(
      MeterRegistry registry,
      String name,
      Tags tags,
      String unit,
      String help,
      ToDoubleFunction<EpCluster> f) {
    FunctionCounter.Builder<EpCluster> b =
        FunctionCounter.builder(name, cluster, f).tags(tags).description(help);
    if (unit != null) {
      b.baseUnit(unit);
    }
    b.register(registry);
  }

  private static RankRuntime rank(EpCluster c, int r) {
    return c.rank(r);
  }

  private static double stats(EpCluster c, int r, ToDoubleFunction<RankStats> f) {
    RankRuntime rt = c.rank(r);
    return rt == null ? 0 : f.applyAsDouble(rt.stats());
  }

  private static double routed(EpCluster c, int r, int layer, int expert) {
    RankRuntime rt = c.rank(r);
    return rt == null ? 0 : rt.routedTokens(layer, expert);
  }

  private static double transport(EpCluster c, int r, ToDoubleFunction<TransportStats> f) {
    RankRuntime rt = c.rank(r);
    return rt == null ? 0 : f.applyAsDouble(rt.transportStats());
  }

  private static double breaker(EpCluster c, int r, int peer) {
    RankRuntime rt = c.rank(r);
    CircuitBreaker.State s = rt == null ? null : rt.peerStates().get(peer);
    if (s == null) {
      return Double.NaN;
    }
    return switch (s) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
      case FORCED_OPEN -> 3;
      default -> Double.NaN;
    };
  }

  private static double repairs(EpCluster c, int r, Tier tier, ToDoubleFunction<ExecutedRepair> f) {
    RankRuntime rt = c.rank(r);
    if (rt == null) {
      return 0;
    }
    double sum = 0;
    for (ExecutedRepair e : rt.repairs()) {
      if (e.action().source() == tier) {
        sum += f.applyAsDouble(e);
      }
    }
    return sum;
  }
}
