package org.eep.examples.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;

/**
 * The fault-timeline metrics of a run, computed from what it recorded (all times in ms since the
 * load started). Pure: the same timeline gives the same numbers. A metric that does not apply (no
 * fault, no rejoin, never recovered) is null. Definitions, also in {@code docs/BENCHMARKS.md}:
 *
 * <ul>
 *   <li><b>tokens_per_s_before_fault</b>: tokens emitted in {@code [t_fault/2, t_fault)} divided by
 *       that interval (the second half of the pre-fault period, after the load ramped up); without
 *       a fault, the second half of the load.
 *   <li><b>step_ms</b>: median interval between consecutive tokens of one request in that window
 *       (one decode step).
 *   <li><b>detection_ms</b>: fault → the first view in which the faulty slot is FAILED (or the
 *       instance FAILED).
 *   <li><b>recovery_pause_ms</b>: the longest gap between consecutive tokens (any rank) that ends
 *       after the fault and starts before the failure view + 1 s, measured from {@code max(gap
 *       start, fault)} to its end: the token gap the failure caused, even when a survivor still
 *       emits a straggler token of the old epoch just after the view.
 *   <li><b>time_to_95pct_ms</b>: a 1 s window slides forward from the fault in 10 ms steps; the
 *       result is the offset of the first window whose throughput is ≥ 95% of
 *       tokens_per_s_before_fault × (active ranks after the failure / active ranks before).
 *   <li><b>reintegration_pause_ms</b>: the longest gap between consecutive tokens emitted by the
 *       healthy ranks (every rank but the rejoining one) that ends after the restart and starts
 *       before the activation view + 1 s, measured from {@code max(gap start, restart)}.
 * </ul>
 */
public record Metrics(
    Double tokensPerSBeforeFault,
    Double stepMs,
    Double maxTokenGapBeforeFaultMs,
    String faultKind,
    Integer faultRank,
    Double faultMs,
    Double failureViewMs,
    Double detectionMs,
    Double resumeMs,
    Double recoveryPauseMs,
    Double target95TokensPerS,
    Double timeTo95Ms,
    Double tokensPerSDegraded,
    Integer rejoinRank,
    Double rejoinMs,
    Double activationMs,
    Double rejoinToActiveMs,
    Double reintegrationPauseMs,
    Double reintegrationPauseAtMs,
    Double tokensPerSAfterRejoin,
    double[] binTokensPerS) {

  /** Width of a throughput bin. */
  public static final double BIN_MS = 100;

  /** How long after the view that ends a disruption a gap may still start and count for it. */
  public static final double SETTLE_MS = 1000;

  /** Step of the sliding 1 s window of time to 95%. */
  public static final double SLIDE_MS = 10;

  /** Width of the moving average of the chart. */
  public static final int WINDOW_BINS = 10;

  /** A view and when the observer learned it. */
  public record TimedView(double ms, MembershipView view) {}

  /** A fault action and when it was carried out. */
  public record TimedFault(double ms, FaultEvent.Kind kind, int rank) {}

  /**
   * The input: token emission times (sorted) with emitting ranks, per-request token times, views,
   * fault actions, and when the load ended.
   */
  public record Timeline(
      double[] tokenMs,
      int[] tokenRanks,
      List<double[]> requestTokenMs,
      List<TimedView> views,
      List<TimedFault> faults,
      double loadEndMs) {}

  /** The timeline of a recorder; {@code faults} from its fault events. */
  public static Timeline timeline(Recorder rec, double loadEndMs) {
    double[][] t = rec.tokenTimeline();
    int[] ranks = new int[t[1].length];
    for (int i = 0; i < ranks.length; i++) {
      ranks[i] = (int) t[1][i];
    }
    List<double[]> perRequest = new ArrayList<>();
    for (RequestRecord r : rec.requests()) {
      long[] ns = r.streamedNanos();
      double[] ms = new double[ns.length];
      for (int i = 0; i < ns.length; i++) {
        ms[i] = rec.ms(ns[i]);
      }
      perRequest.add(ms);
    }
    List<TimedView> views =
        rec.views().stream().map(v -> new TimedView(rec.ms(v.nanos()), v.view())).toList();
    List<TimedFault> faults = new ArrayList<>();
    for (Recorder.Event e : rec.events()) {
      for (FaultEvent.Kind k : FaultEvent.Kind.values()) {
        if (e.kind().equals(k.id())) {
          faults.add(new TimedFault(rec.ms(e.nanos()), k, e.rank()));
        }
      }
    }
    return new Timeline(t[0], ranks, perRequest, views, faults, loadEndMs);
  }

  /** Computes every metric of {@code t}. */
  public static Metrics compute(Timeline t) {
    double[] tok = t.tokenMs();
    TimedFault fault =
        t.faults().stream()
            .filter(f -> f.kind() != FaultEvent.Kind.REJOIN)
            .findFirst()
            .orElse(null);
    double winEnd = fault != null ? fault.ms() : t.loadEndMs();
    double winStart = winEnd / 2;
    Double before =
        winEnd - winStart >= 200
            ? count(tok, winStart, winEnd) / ((winEnd - winStart) / 1e3)
            : null;
    Double step = medianStep(t.requestTokenMs(), winStart, winEnd);
    Double maxGapBefore = longestGap(tok, winStart, winEnd);
    double[] bins = bins(tok, t.loadEndMs());

    Double failureView = null;
    Double detection = null;
    Double resume = null;
    Double pause = null;
    Double target = null;
    Double t95 = null;
    Double degraded = null;
    if (fault != null) {
      int r = fault.rank();
      TimedView fv =
          t.views().stream()
              .filter(v -> v.ms() >= fault.ms() && isOut(v.view(), r))
              .findFirst()
              .orElse(null);
      if (fv != null) {
        failureView = fv.ms();
        detection = fv.ms() - fault.ms();
        if (fv.view().state() != InstanceState.FAILED) {
          double[] end = new double[1];
          pause = longestGapStartingIn(tok, null, -1, fault.ms(), fv.ms() + SETTLE_MS, end);
          resume = pause == null ? null : end[0];
          int activeBefore = activeAt(t.views(), fault.ms());
          int activeAfter = fv.view().activeCount();
          if (before != null && activeBefore > 0 && activeAfter > 0) {
            target = 0.95 * before * activeAfter / activeBefore;
            // A 1 s window sliding forward from the fault in 10 ms steps; only windows inside the
            // load count.
            for (double start = fault.ms(); start + 1000 <= t.loadEndMs(); start += SLIDE_MS) {
              if (count(tok, start, start + 1000) >= target) {
                t95 = start - fault.ms();
                break;
              }
            }
          }
        }
      }
    }

    TimedFault rejoin =
        t.faults().stream()
            .filter(
                f -> f.kind() == FaultEvent.Kind.REJOIN && (fault == null || f.ms() >= fault.ms()))
            .findFirst()
            .orElse(null);
    Double activation = null;
    Double rejoinToActive = null;
    Double reintegration = null;
    Double reintegrationAt = null;
    Double after = null;
    if (rejoin != null) {
      int r = rejoin.rank();
      TimedView av =
          t.views().stream()
              .filter(
                  v ->
                      v.ms() >= rejoin.ms()
                          && v.view().state() != InstanceState.FAILED
                          && v.view().slot(r).state() == SlotState.ACTIVE)
              .findFirst()
              .orElse(null);
      if (av != null) {
        activation = av.ms();
        rejoinToActive = av.ms() - rejoin.ms();
        double[] end = new double[1];
        reintegration =
            longestGapStartingIn(tok, t.tokenRanks(), r, rejoin.ms(), av.ms() + SETTLE_MS, end);
        reintegrationAt = reintegration == null ? null : end[0] - reintegration;
        if (t.loadEndMs() - (av.ms() + 1000) >= 1000) {
          after =
              count(tok, av.ms() + 1000, t.loadEndMs()) / ((t.loadEndMs() - av.ms() - 1000) / 1e3);
        }
      }
    }
    if (resume != null) {
      double end = rejoin != null ? rejoin.ms() : t.loadEndMs();
      if (end - resume >= 200) {
        degraded = count(tok, resume, end) / ((end - resume) / 1e3);
      }
    }
    return new Metrics(
        before,
        step,
        maxGapBefore,
        fault == null ? null : fault.kind().id(),
        fault == null ? null : fault.rank(),
        fault == null ? null : fault.ms(),
        failureView,
        detection,
        resume,
        pause,
        target,
        t95,
        degraded,
        rejoin == null ? null : rejoin.rank(),
        rejoin == null ? null : rejoin.ms(),
        activation,
        rejoinToActive,
        reintegration,
        reintegrationAt,
        after,
        bins);
  }

  private static boolean isOut(MembershipView v, int rank) {
    SlotState s = v.slot(rank).state();
    return v.state() == InstanceState.FAILED || s == SlotState.FAILED || s == SlotState.LEFT;
  }

  private static int activeAt(List<TimedView> views, double ms) {
    int n = 0;
    for (TimedView v : views) {
      if (v.ms() <= ms) {
        n = v.view().activeCount();
      }
    }
    if (n == 0 && !views.isEmpty()) {
      n = views.get(0).view().activeCount();
    }
    return n;
  }

  /** Tokens/s per 100 ms bin from 0 to {@code endMs}. */
  static double[] bins(double[] tok, double endMs) {
    int n = Math.max(0, (int) Math.ceil(endMs / BIN_MS));
    double[] b = new double[n];
    for (double t : tok) {
      int i = (int) Math.floor(t / BIN_MS);
      if (i >= 0 && i < n) {
        b[i] += 1e3 / BIN_MS;
      }
    }
    return b;
  }

  private static int count(double[] sorted, double from, double to) {
    return firstAtOrAfter(sorted, to) - firstAtOrAfter(sorted, from);
  }

  private static int firstAtOrAfter(double[] sorted, double x) {
    int i = Arrays.binarySearch(sorted, x);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && sorted[i - 1] == x) {
      i--;
    }
    return i;
  }

  /** The longest interval inside {@code [from, to]} with no token. */
  private static Double longestGap(double[] tok, double from, double to) {
    if (!(to > from)) {
      return null;
    }
    double best = 0;
    double prev = from;
    for (int i = firstAtOrAfter(tok, from); i < tok.length && tok[i] <= to; i++) {
      best = Math.max(best, tok[i] - prev);
      prev = tok[i];
    }
    return Math.max(best, to - prev);
  }

  /**
   * The longest gap between consecutive tokens (from ranks other than {@code excludeRank} when
   * {@code ranks} is given) that ends after {@code from} and starts before {@code to}, measured
   * from {@code max(start, from)} to its end in full; {@code end[0]} gets where it ends. Null if no
   * token follows {@code from}.
   */
  private static Double longestGapStartingIn(
      double[] tok, int[] ranks, int excludeRank, double from, double to, double[] end) {
    Double best = null;
    double prev = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < tok.length; i++) {
      if (ranks != null && ranks[i] == excludeRank) {
        continue;
      }
      if (tok[i] > from && prev < to) {
        double gap = tok[i] - Math.max(prev, from);
        if (best == null || gap > best) {
          best = gap;
          end[0] = tok[i];
        }
      }
      if (prev >= to) {
        break;
      }
      prev = tok[i];
    }
    return best;
  }

  private static Double medianStep(List<double[]> perRequest, double from, double to) {
    List<Double> d = new ArrayList<>();
    for (double[] ts : perRequest) {
      for (int i = 1; i < ts.length; i++) {
        if (ts[i - 1] >= from && ts[i] < to) {
          d.add(ts[i] - ts[i - 1]);
        }
      }
    }
    if (d.isEmpty()) {
      return null;
    }
    d.sort(Double::compare);
    int n = d.size();
    return n % 2 == 1 ? d.get(n / 2) : (d.get(n / 2 - 1) + d.get(n / 2)) / 2;
  }
}
