package org.eep.examples.bench.rebalance;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.ModelCache;
import org.eep.server.instance.ServedInstance;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench rebalance}: live rebalancing on a router-skewed checkpoint, 8 ranks in one JVM
 * and 4 rank processes. Per deployment two runs: the skew's first popularity (prompts from the
 * lower half of the vocabulary), then the second (the upper half: popularity shifts), each measured
 * before and after one rebalance asked through the operations path, with the longest token gap
 * around the switch. Writes {@code rebalance.json} and its section of {@code docs/BENCHMARKS.md}.
 */
@Command(
    name = "rebalance",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Skewed load: rank-load imbalance, critical-path step time and tokens/s before and after a live rebalance; the token gap around the switch.")
public final class RebalanceBenchCommand implements Callable<Integer> {
  @Mixin SuiteFiles files = SuiteFiles.inTarget();

  @Option(
      names = "--preset",
      defaultValue = "demo",
      description = "Model preset (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--skew",
      defaultValue = "1.2",
      description = "Router skew S of the generated checkpoint (default: ${DEFAULT-VALUE}).")
  double skew;

  @Option(
      names = "--deployments",
      split = ",",
      defaultValue = "local-8,processes-4",
      description = "local-N (ranks in this JVM) and processes-N (default: ${DEFAULT-VALUE}).")
  List<String> deployments;

  @Option(
      names = "--clients",
      defaultValue = "32",
      description = "Closed-loop clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--warmup",
      defaultValue = "6",
      description = "Seconds of load before each measured window (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--measure",
      defaultValue = "10",
      description = "Seconds per measured window (default: ${DEFAULT-VALUE}).")
  double measure;

  @Option(
      names = "--window-steps",
      defaultValue = "300",
      description = "eep_rebalance_window_steps (default: ${DEFAULT-VALUE}).")
  int windowSteps;

  @Option(
      names = "--jit-warmup",
      defaultValue = "24",
      description =
          "Seconds of load, with one unmeasured rebalance, before the first run (default: ${DEFAULT-VALUE}).")
  double jit;

  private static final long POLL_MS = 10;

  @Override
  public Integer call() throws Exception {
    files.logToFile();
    if (!(skew >= 0) || skew > 10 || clients < 1 || !(measure > 0) || warmup < 0) {
      System.err.println(
          "eep bench rebalance: --skew in [0, 10], --clients >= 1, --measure > 0, --warmup >= 0");
      return 2;
    }
    Preset p = Preset.of(preset);
    Path model = ModelCache.ensure(p, 42, skew, line -> System.err.println("model: " + line));
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    List<Map<String, Object>> runs = new ArrayList<>();
    for (String d : deployments) {
      String[] parts = d.split("-", 2);
      if (parts.length != 2
          || !List.of("local", "processes").contains(parts[0])
          || !parts[1].matches("\\d+")) {
        System.err.println(
            "eep bench rebalance: --deployments '" + d + "' is not local-N or processes-N");
        return 2;
      }
      boolean local = parts[0].equals("local");
      int ranks = Integer.parseInt(parts[1]);
      String where = local ? ranks + " ranks in one JVM" : ranks + " rank processes, " + transport;
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("eep_instance", "bench-rebalance-" + d + "-" + System.nanoTime());
      o.put("eep_max_ranks", ranks);
      o.put("eep_ranks", local ? "in_process" : "processes");
      o.put("eep_transport", local ? "local" : transport);
      o.put("eep_membership", local ? "local" : "zookeeper");
      o.put("eep_tier_bandwidth", "peer=4,host=8,disk=1");
      o.put("eep_heartbeat_misses", 20);
      o.put("eep_kv_cache_tokens", 65536);
      o.put("eep_rebalance_interval_steps", 0);
      o.put("eep_rebalance_window_steps", windowSteps);
      System.err.println("starting " + where);
      try (ServedInstance instance =
              ServedInstance.start(EepConfig.fromEnvironment(o), model, line -> {});
          LoadLoop load = new LoadLoop(instance, MoeConfig.read(model).vocabSize(), clients, 48)) {
        // The JIT compiles the step and the rebalancing paths for many seconds on 2 shared cores:
        // serve, and rebalance once, before anything is measured.
        System.err.printf(Locale.ROOT, "%s: warming up %.0f s (one rebalance)%n", where, jit);
        load.shift(); // the warm-up balances for the popularity the second run uses
        pause(jit / 2);
        awaitRebalance(instance);
        pause(jit / 2);
        load.shift();
        for (String popularity : List.of("lower half", "upper half")) {
          if (popularity.equals("upper half")) {
            load.shift(); // the placement was balanced for the lower half: imbalance returns
          }
          runs.add(run(instance, load, d, where, popularity));
        }
        if (load.failed() > 0) {
          System.err.println(load.failed() + " requests failed");
        }
      }
    }
    publish(runs, transport);
    return 0;
  }

  private Map<String, Object> run(
      ServedInstance instance, LoadLoop load, String deployment, String where, String popularity)
      throws Exception {
    System.err.printf(Locale.ROOT, "%s, %s: warming up %.0f s%n", where, popularity, warmup);
    pause(warmup);
    Window before = window(instance, load);
    List<RankSample> s0 = sample(instance);
    Rebalanced done = awaitRebalance(instance);
    long lastWithout = done.lastWithout();
    long seenAt = done.seenAt();
    JsonObject event = done.event();
    List<RankSample> s1 = sample(instance);
    long aborted = 0;
    long peer = 0;
    long host = 0;
    long disk = 0;
    for (int r = 0; r < s1.size(); r++) {
      aborted += s1.get(r).aborted() - s0.get(r).aborted();
      peer += s1.get(r).peerBytes() - s0.get(r).peerBytes();
      host += s1.get(r).hostBytes() - s0.get(r).hostBytes();
      disk += s1.get(r).diskBytes() - s0.get(r).diskBytes();
    }
    pause(1);
    Window after = window(instance, load);
    // Only now: a gap that spans the switch is known once its second token arrived.
    long gapAround = load.longestGapOverlapping(lastWithout, seenAt);
    long len = seenAt - lastWithout;
    long mid = System.nanoTime() - (long) (after.seconds() * 5e8);
    long steadyGap = load.longestGapOverlapping(mid - len / 2, mid + len / 2);
    long medianGap = load.medianGapIn(mid - (long) (after.seconds() * 4e8), mid);
    double stepMs = after.stepMs();
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("deployment", deployment);
    run.put("where", where);
    run.put("popularity", popularity);
    run.put("imbalance_before", before.imbalance());
    run.put("imbalance_after", after.imbalance());
    run.put("predicted_imbalance_before", event.get("imbalanceBefore").getAsDouble());
    run.put("predicted_imbalance_after", event.get("imbalanceAfter").getAsDouble());
    run.put("predicted_worst_layer_before", event.get("layerImbalanceBefore").getAsDouble());
    run.put("predicted_worst_layer_after", event.get("layerImbalanceAfter").getAsDouble());
    run.put("outcome", kind(event));
    run.put("weight_loads", event.get("loads").getAsInt());
    run.put("expert_time_imbalance_before", before.expertTimeImbalance());
    run.put("expert_time_imbalance_after", after.expertTimeImbalance());
    run.put("max_dense_ms_per_step_before", before.maxDenseMs());
    run.put("max_dense_ms_per_step_after", after.maxDenseMs());
    run.put("max_expert_ms_per_step_before", before.maxExpertMs());
    run.put("max_expert_ms_per_step_after", after.maxExpertMs());
    run.put("critical_path_ms_before", before.criticalPathMs());
    run.put("critical_path_ms_after", after.criticalPathMs());
    double predictedCritical =
        before.maxDenseMs()
            + before.maxExpertMs() * after.imbalance() / Math.max(1e-9, before.imbalance());
    run.put("critical_path_ms_predicted_after", predictedCritical);
    run.put("tokens_per_s_before", before.tokensPerS());
    run.put("tokens_per_s_after", after.tokensPerS());
    run.put("step_ms_before", before.stepMs());
    run.put("step_ms_after", stepMs);
    run.put("per_layer_imbalance_before", before.perLayerImbalance());
    run.put("per_layer_imbalance_after", after.perLayerImbalance());
    run.put("rank_load_before", before.rankLoad());
    run.put("rank_load_after", after.rankLoad());
    run.put("switch_seen_window_ms", len / 1e6);
    run.put("longest_gap_around_switch_ms", gapAround / 1e6);
    run.put("longest_gap_steady_same_window_ms", steadyGap / 1e6);
    run.put("median_gap_steady_ms", medianGap / 1e6);
    run.put("switch_gap_steps", (gapAround - steadyGap) / 1e6 / stepMs);
    run.put("steps_aborted_around_switch", aborted);
    run.put("bytes_staged", Map.of("peer", peer, "host", host, "disk", disk));
    System.err.printf(
        Locale.ROOT,
        "%s, %s: imbalance %.3f -> %.3f (predicted %.3f -> %.3f), critical path %.1f -> %.1f ms,"
            + " %.0f -> %.0f tok/s, switch gap %.1f ms (steady %.1f), %d aborted%n",
        where,
        popularity,
        before.imbalance(),
        after.imbalance(),
        event.get("imbalanceBefore").getAsDouble(),
        event.get("imbalanceAfter").getAsDouble(),
        before.criticalPathMs(),
        after.criticalPathMs(),
        before.tokensPerS(),
        after.tokensPerS(),
        gapAround / 1e6,
        steadyGap / 1e6,
        aborted);
    return run;
  }

  /** A rebalance as the front end saw it: between which polls it happened, and its event. */
  private record Rebalanced(long lastWithout, long seenAt, JsonObject event) {}

  /**
   * Asks for a rebalance and polls rank 0 until the snapshot it leads to has switched, or was found
   * balanced already; returns that outcome's event.
   */
  private static Rebalanced awaitRebalance(ServedInstance instance) throws InterruptedException {
    long known = newestSnapshot(instance.rankStatus(0));
    instance.rebalance();
    long lastWithout = System.nanoTime();
    long deadline = lastWithout + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      JsonObject outcome = outcomeAfter(instance.rankStatus(0), known);
      if (outcome != null) {
        return new Rebalanced(lastWithout, System.nanoTime(), outcome);
      }
      lastWithout = now;
      TimeUnit.MILLISECONDS.sleep(POLL_MS);
    }
    throw new IllegalStateException("no rebalance within 5 minutes of asking for one");
  }

  private static long newestSnapshot(JsonObject status) {
    long newest = -1;
    for (var e : status.getAsJsonArray("rebalances")) {
      newest = Math.max(newest, e.getAsJsonObject().get("snapshotId").getAsLong());
    }
    return newest;
  }

  /** The first SWITCHED or BALANCED event of a snapshot newer than {@code known}, or null. */
  private static JsonObject outcomeAfter(JsonObject status, long known) {
    if (status == null || !status.has("rebalances")) {
      return null;
    }
    for (var e : status.getAsJsonArray("rebalances")) {
      JsonObject o = e.getAsJsonObject();
      String k = kind(o);
      if (o.get("snapshotId").getAsLong() > known
          && (k.equals("SWITCHED") || k.equals("BALANCED"))) {
        return o;
      }
    }
    return null;
  }

  private Window window(ServedInstance instance, LoadLoop load) throws Exception {
    List<RankSample> a = sample(instance);
    long t0 = System.nanoTime();
    long k0 = load.tokens();
    pause(measure);
    List<RankSample> b = sample(instance);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return Window.of(a, b, load.tokens() - k0, seconds);
  }

  private static List<RankSample> sample(ServedInstance instance) {
    List<RankSample> out = new ArrayList<>();
    for (int r = 0; r < instance.size(); r++) {
      out.add(RankSample.of(instance.rankStatus(r)));
    }
    return out;
  }

  private static String kind(JsonObject event) {
    return event.get("kind").getAsString();
  }

  private static void pause(double seconds) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep((long) (seconds * 1000));
  }

  private String command() {
    return "./eep bench rebalance --out "
        + files.out()
        + " --preset "
        + preset
        + " --skew "
        + skew
        + " --deployments "
        + String.join(",", deployments);
  }

  private void publish(List<Map<String, Object>> runs, String transport) throws Exception {
    Map<String, Object> json = files.jsonHeader(command());
    json.put("preset", preset);
    json.put("router_skew", skew);
    json.put("clients", clients);
    json.put("warmup_s", warmup);
    json.put("measure_s", measure);
    json.put("window_steps", windowSteps);
    json.put("transport", transport);
    json.put("runs", runs);
    StringBuilder md =
        new StringBuilder("## Live rebalancing under a skewed router\n\n")
            .append(files.reproduce(command()))
            .append("Preset `")
            .append(preset)
            .append("` generated with `--router-skew ")
            .append(skew)
            .append("`; ")
            .append(clients)
            .append(
                " closed-loop clients; prompts from the lower half of the vocabulary, then from the"
                    + " upper half (the popularity shifts). Each run: ")
            .append(measure)
            .append(
                " s measured before and after one rebalance asked through the operations path."
                    + " Rank load = token rows each rank's experts computed; imbalance = max / mean"
                    + " over ranks; critical path = max over ranks of (expert + dense time per step),"
                    + " what one accelerator per rank would see (on 2 shared cores tokens/s alone"
                    + " hides imbalance); predicted after = dense + expert × imbalance ratio. Gap ="
                    + " longest gap between two tokens of one request overlapping the switch,"
                    + " against the longest in a window of the same length in steady state.\n\n")
            .append(
                "| deployment | popularity | imbalance before → after (predicted after) | per-layer"
                    + " after | critical path before → after (predicted) | tokens/s before → after |"
                    + " switch gap (steady) | steps aborted | staged |\n"
                    + "|---|---|---|---|---|---|---|---:|---|\n");
    for (Map<String, Object> r : runs) {
      @SuppressWarnings("unchecked")
      List<Double> perLayer = (List<Double>) r.get("per_layer_imbalance_after");
      @SuppressWarnings("unchecked")
      Map<String, Long> staged = (Map<String, Long>) r.get("bytes_staged");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.3f → **%.3f** (%.3f) | %s | %.1f → %.1f ms (%.1f) | %.0f → %.0f |"
                  + " %.1f ms (%.1f) = %+.2f steps | %d | %.1f MiB peer, %.1f host, %.1f disk |%n",
              r.get("where"),
              r.get("popularity"),
              (double) r.get("imbalance_before"),
              (double) r.get("imbalance_after"),
              (double) r.get("predicted_imbalance_after"),
              perLayer.stream()
                  .map(v -> String.format(Locale.ROOT, "%.2f", v))
                  .reduce((x, y) -> x + " " + y)
                  .orElse("-"),
              (double) r.get("critical_path_ms_before"),
              (double) r.get("critical_path_ms_after"),
              (double) r.get("critical_path_ms_predicted_after"),
              (double) r.get("tokens_per_s_before"),
              (double) r.get("tokens_per_s_after"),
              (double) r.get("longest_gap_around_switch_ms"),
              (double) r.get("longest_gap_steady_same_window_ms"),
              (double) r.get("switch_gap_steps"),
              (long) r.get("steps_aborted_around_switch"),
              staged.get("peer") / 1048576.0,
              staged.get("host") / 1048576.0,
              staged.get("disk") / 1048576.0));
    }
    files.publish(SuiteFiles.PRETTY.toJson(json), md.toString(), "# Benchmarks");
  }
}
