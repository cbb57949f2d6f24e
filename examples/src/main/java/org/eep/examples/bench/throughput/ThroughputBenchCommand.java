package org.eep.examples.bench.throughput;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eep.api.config.EepConfig;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import org.eep.djl.request.GenerationRequest;
import org.eep.examples.bench.Machine;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.ModelCache;
import org.eep.server.instance.ServedInstance;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench throughput}: serving throughput of the EP engine on fixed, seeded request
 * mixes at several concurrencies, for one rank and four ranks in this JVM and four rank processes
 * (tcp, and ucx where libucx is installed): tokens/s, time to first token, time per output token,
 * step time, and the roofline (the weight bytes a step touches over a memory bandwidth measured
 * here) with the fraction of it reached. Where Python has torch and transformers, Hugging Face's
 * {@code Qwen3MoeForCausalLM} serves the same requests on the same checkpoint in the same run.
 */
@Command(
    name = "throughput",
    mixinStandardHelpOptions = true,
    description =
        "Tokens/s, TTFT and TPOT on fixed request mixes for 1 and 4 ranks in one JVM and 4 rank processes, against the"
            + " memory roofline and, where transformers is installed, HF transformers on the same checkpoint.")
public final class ThroughputBenchCommand implements Callable<Integer> {
  /**
   * The numbers the correctness-first step (one position per request per step) measured, for the
   * report.
   */
  private static final Map<String, String> BEFORE =
      Map.of(
          "local-1/short/16",
          "41",
          "local-4/short/16",
          "50",
          "tcp-4/short/16",
          "15–21",
          "ucx-4/short/16",
          "15–21");

  /** Back-to-back (EEP, HF) runs per HF configuration. */
  private static final int HF_PAIRS = 3;

  @Mixin SuiteFiles files = SuiteFiles.required("docs/BENCHMARKS.md");

  @Option(
      names = "--preset",
      defaultValue = "demo",
      description = "Generated model (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--configs",
      split = ",",
      defaultValue = "local-1,local-4,tcp-4,ucx-4",
      description =
          "Where ranks run: local-N (N ranks in this JVM), tcp-N, ucx-N (N rank processes) (default: ${DEFAULT-VALUE}).")
  List<String> configs;

  @Option(
      names = "--mixes",
      split = ",",
      defaultValue = "short,long",
      description =
          "Request mixes: short (prompts 8–64), long (256–768) (default: ${DEFAULT-VALUE}).")
  List<String> mixes;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "1,8,16,64",
      description = "Requests in flight (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(
      names = "--hf-concurrency",
      split = ",",
      defaultValue = "1,16,64",
      description = "Concurrencies of the HF baseline, short mix (default: ${DEFAULT-VALUE}).")
  List<Integer> hfConcurrency;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the model and the request mixes (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    files.logToFile();
    Path model = ModelCache.ensure(Preset.of(preset), seed, System.out::println);
    MoeConfig moe = MoeConfig.read(model);
    double bandwidth = MemoryBandwidth.measure();
    System.out.printf(
        Locale.ROOT, "memory bandwidth (one core, sum over 512 MiB): %.1f GB/s%n", bandwidth / 1e9);
    List<Map<String, Object>> runs = new ArrayList<>();
    for (String name : configs) {
      Config config = Config.of(name);
      if (config.transport().equals("ucx") && !UcxProbe.available()) {
        System.out.println(name + ": skipped (libucx is not installed)");
        continue;
      }
      try (ServedInstance instance = config.start(model, seed)) {
        serve(instance, moe, requests(RequestMix.SHORT, 8, moe, "warm"), 8); // warm-up
        for (String mixName : mixes) {
          RequestMix mix = RequestMix.of(mixName);
          for (int c : concurrency) {
            // A first pass at this width warms the step for its shapes; the second is measured.
            serve(instance, moe, requests(mix, c, moe, name + "-warm-" + mixName + "-" + c), c);
            List<GenerationRequest> requests =
                requests(mix, runRequests(mix, c), moe, name + "-" + mixName + "-" + c);
            Run run = serve(instance, moe, requests, c);
            Map<String, Object> row = row(config, mix, c, run, moe, bandwidth);
            runs.add(row);
            System.out.printf(
                Locale.ROOT,
                "%s %s c=%d: %.0f tokens/s, TTFT p50 %.0f ms, TPOT p50 %.1f ms, step %.1f ms, roofline %.0f (%.0f%%)%n",
                name,
                mixName,
                c,
                row.get("tokens_per_s"),
                row.get("ttft_ms_p50"),
                row.get("tpot_ms_p50"),
                row.get("step_ms"),
                row.get("roofline_tokens_per_s"),
                100 * (double) row.get("roofline_fraction"));
          }
        }
      }
    }
    List<Map<String, Object>> hf = hf(model, moe);
    Map<String, Object> json = files.jsonHeader(command());
    json.put("preset", preset);
    json.put("cores", Machine.cores());
    json.put("bandwidth_gb_s", bandwidth / 1e9);
    runs.stream()
        .filter(
            r ->
                r.get("config").equals("local-1")
                    && r.get("mix").equals("short")
                    && (int) r.get("concurrency") == 16)
        .findFirst()
        .ifPresent(r -> json.put("roofline_tokens_per_s", r.get("roofline_tokens_per_s")));
    json.put("runs", runs);
    json.put("hf", hf);
    files.publish(
        SuiteFiles.PRETTY.toJson(json),
        ThroughputReport.section(this, runs, hf, bandwidth, BEFORE),
        "# Benchmarks");
    return 0;
  }

  String command() {
    return "./eep bench throughput --out "
        + files.out()
        + (preset.equals("demo") ? "" : " --preset " + preset);
  }

  String preset() {
    return preset;
  }

  private static int runRequests(RequestMix mix, int c) {
    return mix == RequestMix.LONG ? Math.max(8, c) : Math.max(16, 2 * c);
  }

  private List<GenerationRequest> requests(RequestMix mix, int n, MoeConfig moe, String prefix) {
    return mix.requests(n, moe.vocabSize(), seed + mix.name().hashCode(), prefix);
  }

  /** A run's front-end measurements and the instance's step counts over it. */
  record Run(ClosedLoop.Result load, StepCounts counts, int ranks) {}

  private static Run serve(
      ServedInstance instance, MoeConfig moe, List<GenerationRequest> requests, int c)
      throws Exception {
    StepCounts before = StepCounts.of(instance);
    ClosedLoop.Result load = ClosedLoop.run(instance::submit, requests, c);
    return new Run(load, StepCounts.of(instance).minus(before), instance.size());
  }

  private static Map<String, Object> row(
      Config config, RequestMix mix, int c, Run run, MoeConfig moe, double bandwidth) {
    ClosedLoop.Result r = run.load();
    double steps = Math.max(1, run.counts().steps());
    double slotsPerStep = run.counts().slotsUsed() / steps;
    double bytesPerStep =
        run.ranks() * (double) moe.denseBytesReadPerStep() + slotsPerStep * moe.expertBytes();
    double tokensPerStep = r.tokens() / steps;
    double roofline =
        tokensPerStep * bandwidth * Math.min(run.ranks(), Machine.cores()) / bytesPerStep;
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("config", config.name());
    row.put("ranks", config.ranks());
    row.put("transport", config.transport());
    row.put("mix", mix.name());
    row.put("concurrency", c);
    row.put("requests", r.requests());
    row.put("tokens", r.tokens());
    row.put("seconds", r.seconds());
    row.put("tokens_per_s", r.tokensPerSecond());
    row.put("ttft_ms_p50", ClosedLoop.Result.percentile(r.ttftMs(), 50));
    row.put("ttft_ms_p99", ClosedLoop.Result.percentile(r.ttftMs(), 99));
    row.put("tpot_ms_p50", ClosedLoop.Result.percentile(r.tpotMs(), 50));
    row.put("tpot_ms_p99", ClosedLoop.Result.percentile(r.tpotMs(), 99));
    row.put("steps", (long) steps);
    row.put("step_ms", r.seconds() * 1000 / steps);
    row.put("tokens_per_step", tokensPerStep);
    row.put("max_steps_to_token", run.counts().maxStepsToToken());
    row.put("expert_slots_per_step", slotsPerStep);
    row.put("bytes_per_step", bytesPerStep);
    row.put("roofline_tokens_per_s", roofline);
    row.put("roofline_fraction", r.tokensPerSecond() / roofline);
    return row;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private List<Map<String, Object>> hf(Path model, MoeConfig moe) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    Optional<String> missing = HfBaseline.unavailable();
    if (missing.isPresent()) {
      System.out.println("HF transformers baseline: not measured (" + missing.get() + ")");
      return out;
    }
    // The machine's speed drifts by tens of percent over minutes, so each HF run is paired with
    // an EEP run of the same requests right before it, and the ratio is the median over pairs.
    try (ServedInstance eep = Config.of("local-1").start(model, seed)) {
      for (int c : hfConcurrency) {
        List<GenerationRequest> requests =
            requests(RequestMix.SHORT, runRequests(RequestMix.SHORT, c), moe, "hf-" + c);
        serve(eep, moe, requests(RequestMix.SHORT, c, moe, "hf-warm-" + c), c);
        for (String experts : List.of("eager", "grouped_mm")) {
          double[] hfTps = new double[HF_PAIRS];
          double[] eepTps = new double[HF_PAIRS];
          double[] ratios = new double[HF_PAIRS];
          JsonObject r = null;
          for (int pair = 0; pair < HF_PAIRS; pair++) {
            eepTps[pair] = serve(eep, moe, requests, c).load().tokensPerSecond();
            r = HfBaseline.run(model, requests, c, experts, files.out());
            hfTps[pair] = r.get("tokens_per_s").getAsDouble();
            ratios[pair] = eepTps[pair] / hfTps[pair];
          }
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("mix", "short");
          row.put("concurrency", c);
          row.put("experts", r.get("experts").getAsString());
          row.put("pairs", HF_PAIRS);
          row.put("tokens_per_s", median(hfTps));
          row.put("eep_tokens_per_s", median(eepTps));
          row.put("eep_over_hf", median(ratios));
          row.put("eep_over_hf_min", Arrays.stream(ratios).min().orElseThrow());
          row.put("eep_over_hf_max", Arrays.stream(ratios).max().orElseThrow());
          row.put("torch", r.get("torch").getAsString());
          row.put("transformers", r.get("transformers").getAsString());
          out.add(row);
          System.out.printf(
              Locale.ROOT,
              "HF transformers (%s experts) short c=%d: %.0f tokens/s; EEP 1 rank in the same pairs %.0f; EEP/HF %.2f%n",
              experts,
              c,
              row.get("tokens_per_s"),
              row.get("eep_tokens_per_s"),
              row.get("eep_over_hf"));
        }
      }
    }
    return out;
  }

  /** Where the ranks of a configuration run. */
  record Config(String name, String transport, int ranks) {
    static Config of(String name) {
      String[] p = name.split("-", 2);
      if (p.length != 2 || !List.of("local", "tcp", "ucx").contains(p[0])) {
        throw new IllegalArgumentException(
            "--configs: '" + name + "' is not local-N, tcp-N or ucx-N");
      }
      return new Config(name, p[0], Integer.parseInt(p[1]));
    }

    ServedInstance start(Path model, long seed) throws Exception {
      Map<String, Object> options = new LinkedHashMap<>();
      options.put("eep_instance", "bench-throughput-" + name + "-" + System.nanoTime());
      options.put("eep_max_ranks", ranks);
      options.put("eep_transport", transport);
      options.put("eep_membership", transport.equals("local") ? "local" : "zookeeper");
      options.put("eep_kv_cache_tokens", 65536);
      options.put("eep_tier_bandwidth", "peer=4,host=8,disk=1");
      options.put("eep_heartbeat_misses", 20);
      options.put("eep_seed", seed);
      EepConfig config = EepConfig.fromEnvironment(options);
      return ServedInstance.start(config, model, line -> {});
    }
  }
}
