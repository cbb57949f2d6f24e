package org.eep.examples.bench.throughput;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eep.examples.bench.Machine;

/** The throughput suite's section of docs/BENCHMARKS.md. */
final class ThroughputReport {
  private ThroughputReport() {}

  static String section(
      ThroughputBenchCommand suite,
      List<Map<String, Object>> runs,
      List<Map<String, Object>> hf,
      double bandwidth,
      Map<String, String> before) {
    StringBuilder md = new StringBuilder();
    md.append("### Serving throughput (`").append(suite.preset()).append("` preset)\n\n");
    md.append("Reproduce: `").append(suite.command()).append("`. ");
    md.append(
        String.format(
            Locale.ROOT,
            "Closed loop (a finished request lets the next in) at each concurrency, the same seeded requests for every "
                + "configuration: mix `short` %s, mix `long` %s. One PyTorch thread per rank; %s. TTFT and TPOT are "
                + "measured at the front end. The roofline is the weight bytes a step touches (every rank's dense weights "
                + "plus the expert slots that got rows) over the memory bandwidth one core reads here, %.1f GB/s (a sum over "
                + "512 MiB), times min(ranks, cores); \"before\" is the correctness-first step this replaced (one position per "
                + "request per step), measured on the same machine.%n%n",
            RequestMix.SHORT.describe(),
            RequestMix.LONG.describe(),
            Machine.shared(String.format(Locale.ROOT, "%.2f", Machine.loadAverage())),
            bandwidth / 1e9));
    md.append(
        "| ranks | mix | concurrency | tokens/s | before | TTFT p50 / p99 (ms) | steps to first token | TPOT p50 / p99 (ms) | "
            + "step (ms) | roofline tokens/s | of roofline |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> r : runs) {
      String key = r.get("config") + "/" + r.get("mix") + "/" + r.get("concurrency");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %.0f | %s | %.0f / %.0f | %d | %.1f / %.1f | %.1f | %.0f | %.0f%% |%n",
              label(r),
              r.get("mix"),
              (int) r.get("concurrency"),
              (double) r.get("tokens_per_s"),
              before.getOrDefault(key, ""),
              (double) r.get("ttft_ms_p50"),
              (double) r.get("ttft_ms_p99"),
              (long) r.get("max_steps_to_token"),
              (double) r.get("tpot_ms_p50"),
              (double) r.get("tpot_ms_p99"),
              (double) r.get("step_ms"),
              (double) r.get("roofline_tokens_per_s"),
              100 * (double) r.get("roofline_fraction")));
    }
    md.append('\n');
    if (hf.isEmpty()) {
      md.append(
          "HF transformers baseline: not measured in this run (python3 with torch and transformers is not installed).\n");
      return md.toString();
    }
    md.append(
        String.format(
            Locale.ROOT,
            "Hugging Face transformers %s on torch %s, `Qwen3MoeForCausalLM` on the same checkpoint and requests (static batches of "
                + "the concurrency, one torch thread), against one EEP rank in this JVM. The speed of this machine drifts by tens of "
                + "percent over minutes, so every HF run follows an EEP run of the same requests, %d such pairs per row: tokens/s are "
                + "medians, the ratio is the median of the pairs' ratios (lowest and highest in brackets):%n%n",
            hf.get(0).get("transformers"),
            hf.get(0).get("torch"),
            hf.get(0).get("pairs")));
    md.append(
        "| concurrency | HF experts | HF tokens/s | EEP 1 rank tokens/s | EEP ÷ HF |\n|---:|---|---:|---:|---:|\n");
    for (Map<String, Object> h : hf) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %.0f | %.0f | %.2f× (%.2f–%.2f) |%n",
              h.get("concurrency"),
              h.get("experts"),
              h.get("tokens_per_s"),
              h.get("eep_tokens_per_s"),
              h.get("eep_over_hf"),
              h.get("eep_over_hf_min"),
              h.get("eep_over_hf_max")));
    }
    md.append(
        "\n`eager` is transformers' loop over the experts a batch hits; `grouped_mm` its default on torch 2.13, one grouped matrix "
            + "product per projection, which DJL 0.36 on PyTorch 2.7.1 does not offer (EEP's step uses one batched product over "
            + "all of a rank's slots, or one product per used slot when few are used).\n");
    return md.toString();
  }

  private static String label(Map<String, Object> r) {
    String t = (String) r.get("transport");
    int n = (int) r.get("ranks");
    return t.equals("local") ? n + " in one JVM" : n + " processes, " + t;
  }
}
