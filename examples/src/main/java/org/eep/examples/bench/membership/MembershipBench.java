package org.eep.examples.bench.membership;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.api.membership.ViewListener;
import org.eep.api.spi.Providers;

/**
 * Measures one membership provider: {@code ranks} handles (one per rank, as in a real instance)
 * form an instance; then, {@code warmup + reps} times, rank 1 reports a transport error against the
 * last rank and the clock runs until <em>every</em> handle's listener has been given the view that
 * fails it (the moment each rank would apply it between steps); the failed rank then rejoins and is
 * activated, and the next repetition starts once every handle has that view.
 *
 * <p>Runs on the calling thread; listeners record their arrival time on each handle's notification
 * thread. Not thread-safe; one run at a time.
 */
public final class MembershipBench {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /**
   * What to run.
   *
   * @param ranks handles (ranks) of the instance; at least 3 (reporter 1, victim the last)
   * @param reps timed repetitions
   * @param warmup untimed repetitions first
   * @param heartbeatMs {@code eep_heartbeat_ms}
   * @param heartbeatMisses {@code eep_heartbeat_misses}
   */
  public record Settings(int ranks, int reps, int warmup, long heartbeatMs, int heartbeatMisses) {
    public Settings {
      if (ranks < 3 || reps < 1 || warmup < 0 || heartbeatMs < 1 || heartbeatMisses < 1) {
        throw new IllegalArgumentException(
            "ranks >= 3, reps >= 1, warmup >= 0, heartbeat >= 1 required");
      }
    }
  }

  /**
   * Latencies of one provider, in milliseconds.
   *
   * @param provider membership provider name
   * @param where what it ran against (in-process, embedded server, connect string)
   * @param reps timed repetitions
   * @param medianAllMs median of evidence → last rank applied
   * @param p99AllMs 99th percentile (nearest rank) of the same
   * @param minAllMs fastest repetition
   * @param maxAllMs slowest repetition
   * @param medianFirstMs median of evidence → first rank applied
   * @param samplesAllMs every timed repetition, in order
   */
  public record Result(
      String provider,
      String where,
      int reps,
      double medianAllMs,
      double p99AllMs,
      double minAllMs,
      double maxAllMs,
      double medianFirstMs,
      List<Double> samplesAllMs) {
    public Result {
      requireNonNull(provider, "provider is null");
      requireNonNull(where, "where is null");
      samplesAllMs = List.copyOf(requireNonNull(samplesAllMs, "samplesAllMs is null"));
    }
  }

  private MembershipBench() {}

  /**
   * Runs the measurement for provider {@code provider} with extra options (e.g. {@code
   * eep_zookeeper_connect}); {@code where} only labels the result.
   */
  public static Result run(
      String provider, Map<String, Object> extraOptions, String where, Settings s)
      throws InterruptedException {
    Map<String, Object> options = new HashMap<>(extraOptions);
    options.put("eep_membership", provider);
    options.put("eep_instance", "bench-" + provider + "-" + System.nanoTime());
    options.put("eep_max_ranks", s.ranks());
    options.put("eep_heartbeat_ms", s.heartbeatMs());
    options.put("eep_heartbeat_misses", s.heartbeatMisses());
    EepConfig cfg = EepConfig.fromEnvironment(options);
    MembershipProvider p = Providers.find(MembershipProvider.class, provider);
    List<MembershipService> handles = new ArrayList<>();
    List<Arrivals> arrivals = new ArrayList<>();
    try {
      for (int r = 0; r < s.ranks(); r++) {
        MembershipService h = p.create(cfg);
        handles.add(h);
        Arrivals a = new Arrivals();
        arrivals.add(a);
        h.subscribe(a);
        h.join(r, "bench-" + r);
      }
      MembershipView last = null;
      for (int r = 0; r < s.ranks(); r++) {
        last = handles.get(r).activate(r, 1);
      }
      awaitAll(handles, last.epoch());

      int victim = s.ranks() - 1;
      int reporter = 1;
      double[] all = new double[s.reps()];
      double[] first = new double[s.reps()];
      for (int i = 0; i < s.warmup() + s.reps(); i++) {
        MembershipView before = handles.get(reporter).currentView();
        long target = before.epoch() + 1;
        long t0 = System.nanoTime();
        handles
            .get(reporter)
            .reportEvidence(
                new Evidence.TransportError(
                    victim, before.slot(victim).incarnation(), reporter, "bench"));
        long slowest = Long.MIN_VALUE;
        long fastest = Long.MAX_VALUE;
        for (Arrivals a : arrivals) {
          Arrival got = a.await(target);
          if (got.view().slot(victim).state() != SlotState.FAILED) {
            throw new IllegalStateException(
                "epoch "
                    + target
                    + " is "
                    + got.view().summary()
                    + ", not the failure of rank "
                    + victim);
          }
          slowest = Math.max(slowest, got.nanos());
          fastest = Math.min(fastest, got.nanos());
        }
        if (i >= s.warmup()) {
          all[i - s.warmup()] = (slowest - t0) / 1e6;
          first[i - s.warmup()] = (fastest - t0) / 1e6;
        }
        MembershipService victimHandle = handles.get(victim);
        long incarnation = victimHandle.join(victim, "bench-" + victim + "-" + i);
        awaitAll(handles, victimHandle.activate(victim, incarnation).epoch());
      }
      List<Double> samples = Arrays.stream(all).boxed().toList();
      double[] sorted = all.clone();
      Arrays.sort(sorted);
      Arrays.sort(first);
      return new Result(
          provider,
          where,
          s.reps(),
          median(sorted),
          percentile(sorted, 0.99),
          sorted[0],
          sorted[sorted.length - 1],
          median(first),
          samples);
    } finally {
      handles.forEach(MembershipService::close);
    }
  }

  private static void awaitAll(List<MembershipService> handles, long epoch)
      throws InterruptedException {
    for (MembershipService h : handles) {
      MembershipView v = h.awaitEpoch(epoch, PATIENCE);
      if (v.epoch() < epoch) {
        throw new IllegalStateException(
            "a handle is still at "
                + v.summary()
                + " after "
                + PATIENCE.toSeconds()
                + " s; wanted epoch "
                + epoch);
      }
    }
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Nearest-rank percentile of sorted samples. */
  static double percentile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  static String ms(double ms) {
    return ms < 1
        ? String.format(Locale.ROOT, "%.0f µs", ms * 1000)
        : String.format(Locale.ROOT, "%.2f ms", ms);
  }

  /** When a view reached one handle's listener. */
  private record Arrival(MembershipView view, long nanos) {}

  /** A listener that stamps each view with {@link System#nanoTime()} on arrival. */
  private static final class Arrivals implements ViewListener {
    private final Map<Long, Arrival> byEpoch = new HashMap<>();

    @Override
    public void onView(MembershipView view) {
      long now = System.nanoTime();
      synchronized (this) {
        byEpoch.put(view.epoch(), new Arrival(view, now));
        notifyAll();
      }
    }

    synchronized Arrival await(long epoch) throws InterruptedException {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (!byEpoch.containsKey(epoch)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "epoch " + epoch + " did not arrive within " + PATIENCE.toSeconds() + " s");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return byEpoch.get(epoch);
    }
  }
}
