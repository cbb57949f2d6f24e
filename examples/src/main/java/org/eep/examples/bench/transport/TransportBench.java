package org.eep.examples.bench.transport;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eep.api.comm.TransportProvider;
import org.eep.api.spi.Providers;
import org.eep.comm.ucx.UcxTransportProvider;

/**
 * The transport benchmark. For each provider, rank count and payload size it builds the provider's
 * ranks in this JVM (through the SPI, found by name) and, side by side, the same number of raw JUCX
 * workers; it calibrates a round count per side to about {@code secondsPerSample}, then takes
 * {@code samples} alternating samples (provider, raw, provider, raw, ...) so that both sides see
 * the same machine load. It reports the median rounds per second of each side, and as the ratio the
 * median over sample pairs of provider / raw: a pair runs back to back, so load that drifts during
 * the run (the machine is shared) affects both of its halves alike. A round is one all-to-all
 * dispatch plus one all-to-all combine. Then, if asked, it measures kill -9 detection of the {@code
 * ucx} transport with child JVMs (see {@link KillDetection}).
 *
 * <p>Called by {@link TransportBenchCommand} on one thread; not thread-safe.
 */
public final class TransportBench {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** The default of {@code eep_ucx_spin_us}. */
  public static final int DEFAULT_SPIN_US =
      Integer.parseInt(UcxTransportProvider.SPIN_US.defaultValue());

  /**
   * What to run.
   *
   * @param providers transport providers to measure against raw JUCX (e.g. ucx, tcp, local)
   * @param ranks rank counts (each in [2, 16])
   * @param payloadBytes message payload sizes
   * @param secondsPerSample target duration of one timed sample
   * @param samples timed samples per side; the median is reported
   * @param kills timed kill -9 repetitions (0 skips the kill benchmark)
   * @param killWarmup untimed kills first
   * @param killTraffic whether rank 0 keeps sending to the victim while it dies
   * @param spinMicros {@code eep_ucx_spin_us} of the ucx transport, and the raw side's idle poll
   */
  public record Settings(
      List<String> providers,
      List<Integer> ranks,
      List<Integer> payloadBytes,
      double secondsPerSample,
      int samples,
      int kills,
      int killWarmup,
      boolean killTraffic,
      int spinMicros) {
    public Settings {
      providers = List.copyOf(requireNonNull(providers, "providers is null"));
      ranks = List.copyOf(requireNonNull(ranks, "ranks is null"));
      payloadBytes = List.copyOf(requireNonNull(payloadBytes, "payloadBytes is null"));
      if (providers.isEmpty() || ranks.isEmpty() || payloadBytes.isEmpty()) {
        throw new IllegalArgumentException("providers, ranks and payload sizes must not be empty");
      }
      if (ranks.stream().anyMatch(r -> r < 2 || r > 16)
          || payloadBytes.stream().anyMatch(b -> b < 0)) {
        throw new IllegalArgumentException("ranks in [2, 16] and payload sizes >= 0 required");
      }
      if (secondsPerSample <= 0 || samples < 1 || kills < 0 || killWarmup < 0 || spinMicros < 0) {
        throw new IllegalArgumentException(
            "secondsPerSample > 0, samples >= 1, kills >= 0, killWarmup >= 0, spinMicros >= 0 required");
      }
    }
  }

  /**
   * All-to-all throughput of one provider at one rank count and size, against raw JUCX.
   *
   * @param providerRoundsPerSec median of the provider's samples
   * @param rawRoundsPerSec median of the raw samples
   * @param ratio median over sample pairs of provider / raw
   * @param minRatio lowest pair ratio
   * @param maxRatio highest pair ratio
   * @param roundsPerSampleProvider rounds in each of the provider's samples
   * @param roundsPerSampleRaw rounds in each raw sample
   */
  public record Throughput(
      String provider,
      int ranks,
      int payloadBytes,
      double providerRoundsPerSec,
      double rawRoundsPerSec,
      double ratio,
      double minRatio,
      double maxRatio,
      int roundsPerSampleProvider,
      int roundsPerSampleRaw,
      List<Double> providerSamples,
      List<Double> rawSamples) {
    public Throughput {
      providerSamples = List.copyOf(providerSamples);
      rawSamples = List.copyOf(rawSamples);
    }
  }

  /** Kill -9 → PeerErrorListener latency of the ucx transport, in milliseconds. */
  public record Detection(
      int kills,
      boolean traffic,
      double medianMs,
      double p99Ms,
      double minMs,
      double maxMs,
      List<Double> samplesMs) {
    public Detection {
      samplesMs = List.copyOf(samplesMs);
    }
  }

  /** Everything one run measured; {@code detection} is null when no kills were asked for. */
  public record Report(Settings settings, List<Throughput> throughput, Detection detection) {
    public Report {
      throughput = List.copyOf(throughput);
    }
  }

  private TransportBench() {}

  /** Runs every measurement {@code s} asks for, printing progress lines to {@code log}. */
  public static Report run(Settings s, Consumer<String> log) throws Exception {
    s.providers().forEach(name -> Providers.find(TransportProvider.class, name));
    List<Throughput> results = new ArrayList<>();
    for (String provider : s.providers()) {
      for (int ranks : s.ranks()) {
        for (int bytes : s.payloadBytes()) {
          log.accept(
              String.format(
                  Locale.ROOT, "%s vs raw JUCX, %d ranks, %s...", provider, ranks, size(bytes)));
          Throughput t = throughput(provider, ranks, bytes, s);
          log.accept(
              String.format(
                  Locale.ROOT,
                  "  %s %.0f rounds/s, raw %.0f rounds/s, ratio %.2f",
                  provider,
                  t.providerRoundsPerSec(),
                  t.rawRoundsPerSec(),
                  t.ratio()));
          results.add(t);
        }
      }
    }
    Detection detection = null;
    if (s.kills() > 0) {
      log.accept(
          String.format(
              Locale.ROOT,
              "ucx kill -9 detection, %d kills (%d warm-up)%s...",
              s.kills(),
              s.killWarmup(),
              s.killTraffic() ? " with traffic" : ""));
      detection = detection(s);
      log.accept(
          String.format(
              Locale.ROOT,
              "  median %.2f ms, p99 %.2f ms",
              detection.medianMs(),
              detection.p99Ms()));
    }
    return new Report(s, results, detection);
  }

  /** One cell: provider and raw side by side, alternating samples. */
  public static Throughput throughput(String provider, int ranks, int payloadBytes, Settings s)
      throws Exception {
    String instance = "bench-transport-" + INSTANCES.incrementAndGet();
    try (AllToAll eep =
            new EepAllToAll(
                provider,
                ranks,
                payloadBytes,
                instance,
                Map.of(UcxTransportProvider.SPIN_US.name(), s.spinMicros()));
        AllToAll raw =
            new RawUcxAllToAll(
                ranks, payloadBytes, TimeUnit.MICROSECONDS.toNanos(s.spinMicros()))) {
      int eepRounds = calibrate(eep, s.secondsPerSample());
      int rawRounds = calibrate(raw, s.secondsPerSample());
      double[] eepRates = new double[s.samples()];
      double[] rawRates = new double[s.samples()];
      double[] ratios = new double[s.samples()];
      for (int i = 0; i < s.samples(); i++) {
        eepRates[i] = eepRounds / (eep.run(eepRounds) / 1e9);
        rawRates[i] = rawRounds / (raw.run(rawRounds) / 1e9);
        ratios[i] = eepRates[i] / rawRates[i];
      }
      return new Throughput(
          provider,
          ranks,
          payloadBytes,
          median(eepRates),
          median(rawRates),
          median(ratios),
          Arrays.stream(ratios).min().orElseThrow(),
          Arrays.stream(ratios).max().orElseThrow(),
          eepRounds,
          rawRounds,
          boxed(eepRates),
          boxed(rawRates));
    }
  }

  /** Kill detection as {@code s} asks. */
  public static Detection detection(Settings s) throws IOException, InterruptedException {
    List<Double> ms = KillDetection.measure(s.kills(), s.killWarmup(), s.killTraffic());
    double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Detection(
        s.kills(),
        s.killTraffic(),
        median(sorted),
        percentile(sorted, 0.99),
        sorted[0],
        sorted[sorted.length - 1],
        ms);
  }

  /** Warms up and returns a round count that takes about {@code seconds}. */
  static int calibrate(AllToAll exchange, double seconds) throws Exception {
    int rounds = 4;
    long nanos = exchange.run(rounds);
    while (nanos < 200_000_000L && rounds < (1 << 24)) {
      rounds *= 2;
      nanos = exchange.run(rounds);
    }
    double rate = rounds / (nanos / 1e9);
    return (int) Math.max(10, Math.min(1 << 24, Math.round(rate * seconds)));
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static String size(int bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  private static List<Double> boxed(double[] v) {
    return Arrays.stream(v).boxed().toList();
  }
}
