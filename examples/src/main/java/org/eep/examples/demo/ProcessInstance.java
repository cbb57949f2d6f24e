package org.eep.examples.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Predicate;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.djl.rank.RankStats;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.Tier;
import org.eep.server.launcher.ProcessCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every rank a process of this machine ({@link ProcessCluster}: one JVM per rank, embedded
 * ZooKeeper, the front end in this JVM), transport {@code ucx} or {@code tcp}. A kill is {@code
 * kill -9}, a stop is {@code SIGSTOP}; a rejoin restarts a killed process, and sends {@code
 * SIGCONT} to a stopped one, which finds itself evicted and rejoins as a new incarnation by itself.
 * A token's rank is the rank process whose stream delivered it (the request's owner then).
 * Counters, step timings and repairs come from each rank's {@code /status}, polled every {@link
 * #pollMs} ms while the process runs, so a killed incarnation's last numbers are those of the poll
 * before the kill.
 */
final class ProcessInstance extends RoutedInstance {
  private static final Logger RANKS = LoggerFactory.getLogger("eep.ranks");

  private final ProcessCluster cluster;
  private final AtomicIntegerArray stopped;

  /**
   * Per rank incarnation ("rank/incarnation"): the last status seen and how many of its repairs
   * were collected.
   */
  private final Map<String, JsonObject> lastStatus = new LinkedHashMap<>();

  private final Map<String, Integer> repairsSeen = new LinkedHashMap<>();
  private final Set<String> rebalancesSeen = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private ProcessInstance(Scenario scenario, ProcessCluster cluster) {
    super(scenario, cluster.router(), cluster.size(), "rank processes (one JVM each)");
    this.cluster = cluster;
    this.stopped = new AtomicIntegerArray(cluster.size());
  }

  /**
   * Settings of rank processes unless the scenario's options set them. Heartbeats 200 ms × 10 (a 2
   * s ZooKeeper session) instead of 100 ms × 10, because five JVMs share the machine's cores and a
   * 1 s session expires under a GC pause or a starved scheduler (a kill is detected by transport
   * errors either way; a SIGSTOP by its peers' failed data-plane probes, {@code eep_probe_after_ms}
   * + {@code eep_probe_timeout_ms}, well before the session expires). Repair tier bandwidths are
   * measured once by {@link ProcessCluster} and handed to every rank, so all of them plan the same
   * repairs.
   */
  static final Map<String, Object> PROCESS_DEFAULTS =
      Map.of("eep_heartbeat_ms", 200, "eep_heartbeat_misses", 10);

  static ProcessInstance start(Scenario s, Path modelDir) throws Exception {
    EepConfig config = Clusters.config(s, Clusters.freshInstance("demo"));
    for (Map.Entry<String, Object> e : PROCESS_DEFAULTS.entrySet()) {
      if (!s.options().containsKey(e.getKey())) {
        config = config.with(e.getKey(), e.getValue());
      }
    }
    return new ProcessInstance(s, ProcessCluster.start(config, modelDir, RANKS::info));
  }

  @Override
  public String describe() {
    return super.describe()
        + ("embedded".equals(scenario.options().getOrDefault("eep_zookeeper_connect", "embedded"))
            ? " (ZooKeeper embedded in this JVM)"
            : "");
  }

  @Override
  public long incarnation(int r) {
    return cluster.incarnation(r);
  }

  @Override
  public boolean alive(int r) {
    return cluster.alive(r);
  }

  @Override
  public boolean running(int r) {
    return cluster.alive(r) && stopped.get(r) == 0;
  }

  @Override
  public void beforeFault(int r) {
    poll(r); // the last counters of this incarnation
  }

  @Override
  public void kill(int r) {
    cluster.kill(r);
  }

  @Override
  public OptionalInt coordinator() {
    for (int r = 0; r < cluster.size(); r++) {
      JsonObject s = running(r) ? cluster.status(r) : null;
      if (s != null && s.has("coordinator") && s.get("coordinator").getAsBoolean()) {
        return OptionalInt.of(r);
      }
    }
    return OptionalInt.empty();
  }

  @Override
  public String stopUnsupported() {
    return null;
  }

  @Override
  public String stopText(int r) {
    return "stop rank " + r + " (SIGSTOP to its process: no steps, no heartbeats)";
  }

  @Override
  public void stop(int r) throws Exception {
    stopped.set(r, 1);
    cluster.stop(r);
  }

  @Override
  public String rejoinText(int r) {
    return cluster.alive(r) && stopped.get(r) != 0
        ? "SIGCONT rank " + r + ": it finds itself evicted and rejoins as a new incarnation"
        : "restart rank " + r + "'s process (new incarnation)";
  }

  @Override
  public Predicate<MembershipView> rejoin(int r) throws Exception {
    long before = cluster.incarnation(r);
    if (cluster.alive(r) && stopped.get(r) != 0) {
      cluster.cont(r);
      stopped.set(r, 0);
    } else {
      stopped.set(r, 0);
      cluster.restart(r);
    }
    return x -> x.slot(r).state() == SlotState.ACTIVE && x.slot(r).incarnation() > before;
  }

  @Override
  public void collect(RebalanceSink rebalances, RepairSink repairs) {
    for (int r = 0; r < cluster.size(); r++) {
      JsonObject s = poll(r);
      if (s != null) {
        rebalances(r, s, rebalances);
        repairs(r, s, repairs);
      }
    }
  }

  private void rebalances(int r, JsonObject s, RebalanceSink sink) {
    if (s.has("rebalances")) {
      long now = System.nanoTime();
      String prefix = r + "/" + s.get("incarnation").getAsLong() + "/";
      for (var e : s.getAsJsonArray("rebalances")) {
        RebalanceEvent event = DemoReport.GSON.fromJson(e, RebalanceEvent.class);
        // atNanos is the rank process's own clock: keyed by it, placed at this poll.
        if (rebalancesSeen.add(prefix + event.atNanos())) {
          sink.accept(r, event, now);
        }
      }
    }
  }

  private void repairs(int r, JsonObject s, RepairSink sink) {
    if (s.has("repairs")) {
      long inc = s.get("incarnation").getAsLong();
      String key = r + "/" + inc;
      JsonArray all = s.getAsJsonArray("repairs");
      int seen;
      synchronized (this) {
        seen = repairsSeen.getOrDefault(key, 0);
        repairsSeen.put(key, Math.max(seen, all.size()));
      }
      if (all.size() > seen) {
        List<ExecutedRepair> fresh = new ArrayList<>();
        for (int i = seen; i < all.size(); i++) {
          fresh.add(repair(all.get(i).getAsJsonObject()));
        }
        sink.accept(r, inc, fresh);
      }
    }
  }

  private static ExecutedRepair repair(JsonObject o) {
    JsonObject a = o.getAsJsonObject("action");
    RepairAction action =
        new RepairAction(
            a.get("expert").getAsInt(),
            a.get("physicalSlot").getAsInt(),
            a.get("targetRank").getAsInt(),
            Tier.valueOf(a.get("source").getAsString().toUpperCase(Locale.ROOT)),
            a.get("sourceRank").getAsInt(),
            a.get("bytes").getAsLong(),
            num(a.get("estimatedSeconds")),
            num(a.get("startSeconds")));
    return new ExecutedRepair(o.get("epoch").getAsLong(), action, num(o.get("actualSeconds")));
  }

  private static double num(JsonElement e) {
    return e.getAsJsonPrimitive().isNumber()
        ? e.getAsDouble()
        : Double.parseDouble(e.getAsString());
  }

  /**
   * Rank {@code r}'s status if its process runs and answers (a stopped process is not asked);
   * remembered per incarnation.
   */
  private JsonObject poll(int r) {
    if (closed.get() || !cluster.alive(r) || stopped.get(r) != 0) {
      return null;
    }
    JsonObject s = cluster.status(r);
    if (s == null
        || !s.has("incarnation")
        || !s.has("stats")
        || s.get("incarnation").getAsLong() <= 0) {
      return null;
    }
    synchronized (this) {
      lastStatus.put(r + "/" + s.get("incarnation").getAsLong(), s);
    }
    return s;
  }

  @Override
  public long pollMs() {
    return 500;
  }

  @Override
  public List<DemoRun.RankSnapshot> snapshots() {
    for (int r = 0; r < cluster.size(); r++) {
      // A rank that just rejoined may be ACTIVE in the view before its process reported its HTTP
      // port: give it a moment.
      long want = cluster.view().slot(r).incarnation();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      JsonObject s = poll(r);
      while (cluster.alive(r)
          && stopped.get(r) == 0
          && (s == null || s.get("incarnation").getAsLong() < want)
          && System.nanoTime() < deadline) {
        try {
          Thread.sleep(
              100); // polling another process's HTTP endpoint; nothing in this JVM to wait on
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        s = poll(r);
      }
    }
    List<DemoRun.RankSnapshot> out = new ArrayList<>();
    synchronized (this) {
      for (JsonObject s : lastStatus.values()) {
        RankStats st = DemoReport.GSON.fromJson(s.get("stats"), RankStats.class);
        JsonObject t = s.has("timings") ? s.getAsJsonObject("timings") : new JsonObject();
        out.add(
            new DemoRun.RankSnapshot(
                st, nanos(t, "denseNanos"), nanos(t, "commNanos"), nanos(t, "expertNanos")));
      }
    }
    return out;
  }

  private static long nanos(JsonObject t, String k) {
    return t.has(k) ? t.get(k).getAsLong() : 0;
  }

  @Override
  public void close() {
    closed.set(true);
    cluster.close();
  }
}
