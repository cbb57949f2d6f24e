package org.eep.examples.bench.step;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.eep.api.config.EepConfig;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.model.Preset;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.djl.step.StepTimings;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.ModelCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench step}: decode throughput of the EP engine for 1..8 in-process ranks on the
 * local transport, and where the step time goes (dense compute, dispatch+combine, expert FFNs),
 * from the ranks' own step timings, all in one run.
 */
@Command(
    name = "step",
    mixinStandardHelpOptions = true,
    description =
        "Decode step throughput for 1..8 ranks and the share of time in dispatch/combine vs expert compute.")
public final class StepBenchCommand implements Callable<Integer> {
  @Mixin SuiteFiles files = SuiteFiles.inTarget();

  @Option(names = "--preset", defaultValue = "tiny", description = "Model preset.")
  String preset;

  @Option(
      names = "--ranks",
      split = ",",
      defaultValue = "1,2,4,8",
      description = "Rank counts to measure.")
  List<Integer> rankCounts;

  @Option(
      names = "--requests",
      defaultValue = "32",
      description = "Requests per measurement (all submitted at once).")
  int requests;

  @Option(
      names = "--new-tokens",
      defaultValue = "24",
      description = "Tokens generated per request.")
  int newTokens;

  @Override
  public Integer call() throws Exception {
    Preset p = Preset.of(preset);
    Path model = ModelCache.ensure(p, 42, System.out::println);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int ranks : rankCounts) {
      rows.add(measure(model, ranks));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "step");
    json.put("preset", preset);
    json.put("requests", requests);
    json.put("new_tokens", newTokens);
    json.put("rows", rows);
    files.writeJson(SuiteFiles.PRETTY.toJson(json));
    StringBuilder md = new StringBuilder();
    md.append("### Decode step: ranks vs throughput (`")
        .append(preset)
        .append("` preset, local transport)\n\n")
        .append("Reproduce: `./eep bench step --out target/bench --preset ")
        .append(preset)
        .append("`. ")
        .append(requests)
        .append(" requests × ")
        .append(newTokens)
        .append(" new tokens, all ranks in one JVM on 2 cores, ")
        .append("one PyTorch thread per rank. Shares are of the ranks' summed step time.\n\n")
        .append(
            "| ranks | tokens/s | vs 1 rank | dense | dispatch+combine | experts |\n|---:|---:|---:|---:|---:|---:|\n");
    double base = ((Number) rows.get(0).get("tokens_per_s")).doubleValue();
    for (Map<String, Object> r : rows) {
      double tps = ((Number) r.get("tokens_per_s")).doubleValue();
      md.append(
          String.format(
              "| %d | %.0f | %.2f× | %.0f%% | %.0f%% | %.0f%% |%n",
              r.get("ranks"),
              tps,
              tps / base,
              100 * (double) r.get("share_dense"),
              100 * (double) r.get("share_comm"),
              100 * (double) r.get("share_experts")));
    }
    md.append(
        "\nMore ranks split the same requests over more threads on the same 2 cores: each rank's batch is smaller, its "
            + "fixed per-step cost (a constant number of tensor operations per layer, whatever the batch) is paid once per rank, "
            + "and every step waits for the slowest rank, so throughput here says little about scaling. The dispatch+combine "
            + "share includes that lockstep wait, which grows as ranks outnumber cores; on real hardware each rank has its own "
            + "device and that share becomes network time.\n");
    files.updateDoc(md.toString());
    System.out.println(md);
    return 0;
  }

  private Map<String, Object> measure(Path model, int ranks) throws Exception {
    EepConfig config =
        EepConfig.fromEnvironment(
            Map.of(
                "eep_instance",
                "bench-step-" + ranks + "-" + System.nanoTime(),
                "eep_max_ranks",
                ranks,
                "eep_tier_bandwidth",
                "peer=4,host=8,disk=1",
                "eep_max_batch",
                64));
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster c = EpCluster.start(new EepModule(config, model, manager))) {
      run(c, ranks, 8, "warm");
      long[] before = sums(c, ranks);
      long t0 = System.nanoTime();
      int tokens = run(c, ranks, requests, "run");
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] after = sums(c, ranks);
      double dense = after[0] - before[0];
      double comm = after[1] - before[1];
      double experts = after[2] - before[2];
      double total = dense + comm + experts;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("ranks", ranks);
      row.put("tokens", tokens);
      row.put("seconds", seconds);
      row.put("tokens_per_s", tokens / seconds);
      row.put("share_dense", dense / total);
      row.put("share_comm", comm / total);
      row.put("share_experts", experts / total);
      System.out.printf(
          "ranks=%d tokens/s=%.0f dense=%.0f%% comm=%.0f%% experts=%.0f%%%n",
          ranks, tokens / seconds, 100 * dense / total, 100 * comm / total, 100 * experts / total);
      return row;
    }
  }

  private int run(EpCluster c, int ranks, int n, String tag) throws Exception {
    List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
    Random rnd = new Random(ranks * 31L + n);
    for (int i = 0; i < n; i++) {
      fs.add(
          c.submit(
              new GenerationRequest(tag + "-" + i, rnd.ints(4, 0, 256).toArray(), newTokens),
              TokenListener.NONE));
    }
    int tokens = 0;
    for (CompletableFuture<GenerationResult> f : fs) {
      tokens += f.get().tokens().length;
    }
    return tokens;
  }

  private static long[] sums(EpCluster c, int ranks) {
    long[] s = new long[3];
    for (int r = 0; r < ranks; r++) {
      StepTimings t = c.rank(r).timings();
      s[0] += t.denseNanos();
      s[1] += t.commNanos();
      s[2] += t.expertNanos();
    }
    return s;
  }
}
