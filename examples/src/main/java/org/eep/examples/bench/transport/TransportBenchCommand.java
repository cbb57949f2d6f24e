package org.eep.examples.bench.transport;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eep.examples.Logs;
import org.eep.examples.bench.Machine;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.bench.transport.TransportBench.Detection;
import org.eep.examples.bench.transport.TransportBench.Report;
import org.eep.examples.bench.transport.TransportBench.Settings;
import org.eep.examples.bench.transport.TransportBench.Throughput;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench transport --out DIR}: all-to-all dispatch + combine rounds per second of a
 * transport provider against raw JUCX tag messages in the same run, and kill -9 detection latency
 * of the {@code ucx} transport. Writes {@code transport.json} to DIR and the section between the
 * {@code transport-bench} markers of {@code docs/benchmarks/ucx.md}.
 */
@Command(
    name = "transport",
    mixinStandardHelpOptions = true,
    description =
        "All-to-all rounds/s of a transport vs raw JUCX (same run), and ucx kill -9 detection latency.")
public final class TransportBenchCommand implements Callable<Integer> {

  @Mixin SuiteFiles files = SuiteFiles.required("docs/benchmarks/ucx.md");

  @Option(
      names = "--providers",
      split = ",",
      defaultValue = "ucx",
      description =
          "Transport providers to measure, each against raw JUCX: ucx, tcp, local (default: ${DEFAULT-VALUE}).")
  List<String> providers;

  @Option(
      names = "--ranks",
      split = ",",
      defaultValue = "2,4",
      description = "Rank counts, all in this JVM (default: ${DEFAULT-VALUE}).")
  List<Integer> ranks;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "1024,16384,262144,1048576",
      description = "Payload bytes per message (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(
      names = "--seconds",
      defaultValue = "1.0",
      description = "Target length of one timed sample (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--samples",
      defaultValue = "5",
      description =
          "Timed samples per side, alternating provider and raw; the median is reported (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--kills",
      defaultValue = "20",
      description = "Timed kill -9 repetitions; 0 skips them (default: ${DEFAULT-VALUE}).")
  int kills;

  @Option(
      names = "--kill-warmup",
      defaultValue = "2",
      description = "Untimed kills first (default: ${DEFAULT-VALUE}).")
  int killWarmup;

  @Option(
      names = "--kill-traffic",
      description = "Keep sending a small message every millisecond to the victim while it dies.")
  boolean killTraffic;

  @Option(
      names = "--spin-us",
      defaultValue = "50",
      description =
          "eep_ucx_spin_us of the ucx transport; the raw side polls as long before sleeping (default: ${DEFAULT-VALUE}).")
  int spinMicros;

  @Option(names = "--provider-logs", description = "Keep the providers' INFO and DEBUG logs.")
  boolean verbose;

  /** Runs the command on its own, without the {@code eep} launcher. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new TransportBenchCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (kills > 0 && kills < 20) {
      System.err.println("eep bench transport: --kills >= 20 (for a p99), or 0 to skip");
      return 2;
    }
    if (!verbose) {
      Logs.quiet("org.eep", "io.netty");
    }
    Settings settings =
        new Settings(
            providers, ranks, sizes, seconds, samples, kills, killWarmup, killTraffic, spinMicros);
    String loadBefore = loadAverage();
    Report report =
        TransportBench.run(settings, line -> System.err.println("eep bench transport: " + line));
    String load = loadBefore + " before, " + loadAverage() + " after";

    String command = command();
    Map<String, Object> json = files.jsonHeader(command);
    json.put("availableProcessors", Machine.cores());
    json.put("ucxEnvironment", ucxEnvironment());
    json.put("loadAverage1m", load);
    json.put("settings", report.settings());
    json.put("throughput", report.throughput());
    json.put("killDetection", report.detection());
    String text =
        new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .disableHtmlEscaping()
            .create()
            .toJson(json);
    files.publish(text, section(report, command, load), "# Transport `ucx`: benchmarks");
    return 0;
  }

  private String command() {
    StringBuilder c = new StringBuilder("./eep bench transport --out ").append(files.out());
    if (!providers.equals(List.of("ucx"))) {
      c.append(" --providers ").append(String.join(",", providers));
    }
    if (!ranks.equals(List.of(2, 4))) {
      c.append(" --ranks ").append(join(ranks));
    }
    if (!sizes.equals(List.of(1024, 16384, 262144, 1048576))) {
      c.append(" --sizes ").append(join(sizes));
    }
    if (seconds != 1.0) {
      c.append(" --seconds ").append(seconds);
    }
    if (samples != 5) {
      c.append(" --samples ").append(samples);
    }
    if (kills != 20) {
      c.append(" --kills ").append(kills);
    }
    if (killWarmup != 2) {
      c.append(" --kill-warmup ").append(killWarmup);
    }
    if (killTraffic) {
      c.append(" --kill-traffic");
    }
    if (spinMicros != TransportBench.DEFAULT_SPIN_US) {
      c.append(" --spin-us ").append(spinMicros);
    }
    return c.toString();
  }

  private static String join(List<Integer> values) {
    return String.join(",", values.stream().map(String::valueOf).toList());
  }

  private String section(Report r, String command, String load) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Transport benchmark: EEP transport vs raw JUCX, and kill -9 detection\n\n");
    sb.append(
            "All ranks in one JVM, each with its own transport (for `ucx`: its own UCP context, worker and progress thread). ")
        .append(
            "A **round** is the decode-step pattern of one MoE layer: every rank sends one message of the given payload to every ")
        .append(
            "peer and receives one from each (dispatch), then again (combine). **raw** is the same pattern over bare JUCX tag ")
        .append(
            "messages: one context and worker per rank, endpoints to every peer, receives pre-posted by exact tag into per-peer ")
        .append(
            "buffers, no framing, inbox, copy or progress thread; when idle it polls (yielding the core) and then sleeps in ")
        .append(
            "`ucp_worker_wait`, like the ucx progress thread. Both sides run in the same JVM at the same time, samples alternate (provider, raw, …), ")
        .append(r.settings().samples())
        .append(" samples of about ")
        .append(r.settings().secondsPerSample())
        .append(
            " s per side; rounds/s are medians per side. **ratio** = provider / raw, the median over sample pairs ")
        .append(
            "(a pair runs back to back, so load that drifts during the run hits both halves alike), with the lowest ")
        .append("and highest pair in brackets (goal ≥ 0.8). ")
        .append("Idle poll before sleeping: ")
        .append(r.settings().spinMicros())
        .append(" µs on both sides (`eep_ucx_spin_us`). ")
        .append("UCX: JUCX 1.12.1 on the system's libucx (Debian `libucx0`), ")
        .append(ucxEnvironment())
        .append("; ")
        .append(Machine.shared(load))
        .append(".\n\n");
    sb.append(files.reproduce(command));
    sb.append(
        "| provider | ranks | payload | provider rounds/s | raw JUCX rounds/s | ratio (min–max) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|\n");
    for (Throughput t : r.throughput()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %d | %s | %.0f | %.0f | %.2f (%.2f–%.2f) |%n",
              t.provider(),
              t.ranks(),
              TransportBench.size(t.payloadBytes()),
              t.providerRoundsPerSec(),
              t.rawRoundsPerSec(),
              t.ratio(),
              t.minRatio(),
              t.maxRatio()));
    }
    sb.append('\n')
        .append(
            "Reading the ratios: the `ucx` side does what the SPI asks and raw does not. It copies each payload ")
        .append(
            "twice (into a pooled send buffer, because `send` may neither keep the caller's buffer nor wait for the ")
        .append(
            "receiver; and out of UCX into a heap buffer the receiver owns), frames and fences every message, and hands ")
        .append(
            "each message between threads twice (caller → progress thread, progress thread → the receiver waiting in ")
        .append(
            "the inbox), where raw runs one thread per rank. With every rank in one JVM the `ucx` side also runs twice as ")
        .append(
            "many threads as raw on the same cores. `local` never touches the network (a copy into the receiver's ")
        .append("inbox), so its ratio only shows what the network stack costs.\n");
    Detection d = r.detection();
    if (d != null) {
      sb.append('\n').append("### kill -9 detection (`ucx`)\n\n");
      sb.append(
              "Rank 0 in this JVM, rank 1 in a child JVM (same class path, UCX on loopback). Per kill: a fresh child, rank 0 ")
          .append(
              "reconnects to it (`reconnect`: only that endpoint is re-made), sends a hello and waits until the child has it, ")
          .append(
              "then `Process.destroyForcibly()` (SIGKILL); measured from just before the kill to rank 0's `PeerErrorListener` ")
          .append("call. ")
          .append(
              d.traffic()
                  ? "Rank 0 keeps sending a 64-byte message every millisecond meanwhile. "
                  : "No traffic meanwhile: UCX learns of the death from the reset TCP connection. ")
          .append(d.kills())
          .append(" timed kills after ")
          .append(r.settings().killWarmup())
          .append(" warm-up ones.\n\n");
      sb.append("| kills | median | p99 | min | max |\n|---:|---:|---:|---:|---:|\n");
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n",
              d.kills(),
              d.medianMs(),
              d.p99Ms(),
              d.minMs(),
              d.maxMs()));
    }
    return sb.toString();
  }

  /** The 1-minute load average, or "n/a" off Linux. */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String ucxEnvironment() {
    return "UCX_TLS="
        + System.getenv().getOrDefault("UCX_TLS", "(unset)")
        + ", UCX_NET_DEVICES="
        + System.getenv().getOrDefault("UCX_NET_DEVICES", "(unset)");
  }
}
