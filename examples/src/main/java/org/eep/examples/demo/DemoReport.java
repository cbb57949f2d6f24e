package org.eep.examples.demo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eep.api.membership.MembershipView;
import org.eep.djl.rank.RankStats;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.Tier;

/**
 * {@code report.json} of a demo run: request accounting, the reference check, the fault-timeline
 * metrics ({@link Metrics}), every epoch with its cause, the repairs by tier, per-rank counters,
 * the throughput bins behind {@code timeline.png}, and the configuration.
 */
public final class DemoReport {
  /** Pretty JSON with nulls kept (a metric that does not apply is null, not missing). */
  public static final Gson GSON =
      new GsonBuilder()
          .setPrettyPrinting()
          .serializeNulls()
          .disableHtmlEscaping()
          .serializeSpecialFloatingPointValues()
          .create();

  private DemoReport() {}

  /** The report as an ordered map (what report.json holds). */
  public static Map<String, Object> build(DemoRun.Result run, Metrics m) {
    Recorder rec = run.recorder();
    int[] outcomes = rec.outcomeCounts();
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("report", "eep demo");
    j.put("definitions", "docs/BENCHMARKS.md#metric-definitions");
    j.put("requests_submitted", rec.requests().size());
    j.put("requests_completed", outcomes[RequestRecord.Outcome.COMPLETED.ordinal()]);
    j.put(
        "requests_lost",
        outcomes[RequestRecord.Outcome.FAILED.ordinal()]
            + outcomes[RequestRecord.Outcome.PENDING.ordinal()]);
    j.put("requests_rejected", outcomes[RequestRecord.Outcome.REJECTED.ordinal()]);
    Verifier.Result v = run.verification();
    j.put("requests_verified", v == null ? null : v.checked());
    j.put("token_mismatches", v == null ? null : v.mismatchedTokens());
    j.put("requests_mismatched", v == null ? null : v.mismatchedRequests());
    j.put("near_ties", v == null ? null : v.nearTies());
    j.put("stream_errors", rec.requests().stream().mapToInt(RequestRecord::streamErrors).sum());
    j.put("tokens_emitted", rec.tokenCount());
    j.put("tokens_per_s_before_fault", r1(m.tokensPerSBeforeFault()));
    j.put("step_ms", r1(m.stepMs()));
    j.put("max_token_gap_before_fault_ms", r1(m.maxTokenGapBeforeFaultMs()));
    Map<String, Object> fault = null;
    if (m.faultKind() != null) {
      fault = new LinkedHashMap<>();
      fault.put("kind", m.faultKind());
      fault.put("rank", m.faultRank());
      fault.put("t_ms", r1(m.faultMs()));
      fault.put("failure_view_t_ms", r1(m.failureViewMs()));
      fault.put("recovery_pause_ends_t_ms", r1(m.resumeMs()));
    }
    j.put("fault", fault);
    j.put("detection_ms", r1(m.detectionMs()));
    j.put("recovery_pause_ms", r1(m.recoveryPauseMs()));
    j.put("time_to_95pct_ms", r1(m.timeTo95Ms()));
    j.put("target_95pct_tokens_per_s", r1(m.target95TokensPerS()));
    j.put("tokens_per_s_degraded", r1(m.tokensPerSDegraded()));
    Map<String, Object> rejoin = null;
    if (m.rejoinRank() != null) {
      rejoin = new LinkedHashMap<>();
      rejoin.put("rank", m.rejoinRank());
      rejoin.put("t_ms", r1(m.rejoinMs()));
      rejoin.put("active_t_ms", r1(m.activationMs()));
      rejoin.put("restart_to_active_ms", r1(m.rejoinToActiveMs()));
      rejoin.put("longest_gap_starts_t_ms", r1(m.reintegrationPauseAtMs()));
    }
    j.put("rejoin", rejoin);
    j.put("reintegration_pause_ms", r1(m.reintegrationPauseMs()));
    j.put("tokens_per_s_after_rejoin", r1(m.tokensPerSAfterRejoin()));
    j.put("instance_start_ms", r1(run.startMs()));
    j.put("load_end_ms", r1(run.loadEndMs()));
    j.put("epochs", epochs(rec));
    j.put("events", events(rec));
    j.put("repair", repair(run));
    j.put("ranks", ranks(run.rankStats()));
    if (v != null) {
      Map<String, Object> ver = new LinkedHashMap<>();
      ver.put("checked", v.checked());
      ver.put("seconds", r1(v.seconds()));
      ver.put("examples", v.examples());
      j.put("verification", ver);
    }
    List<String> failures =
        rec.requests().stream()
            .filter(
                r ->
                    r.outcome() == RequestRecord.Outcome.FAILED
                        || r.outcome() == RequestRecord.Outcome.REJECTED)
            .limit(5)
            .map(r -> r.request().id() + ": " + r.failure())
            .toList();
    j.put("failure_examples", failures);
    Map<String, Object> config = new LinkedHashMap<>(run.scenario().describe());
    config.put("slots_per_rank", run.slotsPerRank());
    config.put("redundant_experts", "auto");
    j.put("config", config);
    Map<String, Object> bins = new LinkedHashMap<>();
    bins.put("bin_ms", Metrics.BIN_MS);
    bins.put("tokens_per_s", m.binTokensPerS());
    j.put("throughput", bins);
    return j;
  }

  /** Writes report.json into {@code dir}. */
  public static Path write(Path dir, Map<String, Object> report) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("report.json");
    Files.writeString(file, GSON.toJson(report) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private static List<Map<String, Object>> epochs(Recorder rec) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Recorder.ViewRecord vr : rec.views()) {
      MembershipView v = vr.view();
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("epoch", v.epoch());
      e.put("t_ms", r1(rec.ms(vr.nanos())));
      e.put("cause", v.cause());
      e.put("summary", v.summary());
      e.put("active", v.activeCount());
      out.add(e);
    }
    return out;
  }

  private static List<Map<String, Object>> events(Recorder rec) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Recorder.Event ev : rec.events()) {
      if (ev.kind().equals("view") || ev.kind().equals("repair")) {
        continue; // in "epochs" and "repair"
      }
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("t_ms", r1(rec.ms(ev.nanos())));
      e.put("kind", ev.kind());
      e.put("rank", ev.rank());
      e.put("text", ev.text());
      out.add(e);
    }
    return out;
  }

  /** Repairs by tier, by epoch, and each action. */
  static Map<String, Object> repair(DemoRun.Result run) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Map<String, Object>> byTier = new LinkedHashMap<>();
    for (Tier t : Tier.values()) {
      byTier.put(
          t.name().toLowerCase(Locale.ROOT),
          tierTotals(
              run.repairs().stream().filter(r -> r.repair().action().source() == t).toList()));
    }
    out.put("by_tier", byTier);
    Map<Long, List<DemoRun.RankRepair>> byEpoch = new TreeMap<>();
    for (DemoRun.RankRepair r : run.repairs()) {
      byEpoch.computeIfAbsent(r.repair().epoch(), k -> new ArrayList<>()).add(r);
    }
    List<Map<String, Object>> epochs = new ArrayList<>();
    for (Map.Entry<Long, List<DemoRun.RankRepair>> e : byEpoch.entrySet()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("epoch", e.getKey());
      x.put("cause", causeOf(run.recorder(), e.getKey()));
      x.putAll(tierTotals(e.getValue()));
      Map<Integer, Double> perRank = new TreeMap<>();
      double estimated = 0;
      for (DemoRun.RankRepair r : e.getValue()) {
        perRank.merge(r.rank(), r.repair().actualSeconds(), Double::sum);
        estimated = Math.max(estimated, r.repair().action().endSeconds());
      }
      x.put("estimated_makespan_s", r6(estimated));
      x.put(
          "actual_makespan_s",
          r6(perRank.values().stream().mapToDouble(Double::doubleValue).max().orElse(0)));
      epochs.add(x);
    }
    out.put("epochs", epochs);
    List<Map<String, Object>> actions = new ArrayList<>();
    for (DemoRun.RankRepair r : run.repairs()) {
      RepairAction a = r.repair().action();
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("epoch", r.repair().epoch());
      x.put("rank", r.rank());
      x.put("incarnation", r.incarnation());
      x.put("expert", a.expert());
      x.put("physical_slot", a.physicalSlot());
      x.put("tier", a.source().name().toLowerCase(Locale.ROOT));
      x.put("source_rank", a.sourceRank());
      x.put("bytes", a.bytes());
      x.put("estimated_s", r6(a.estimatedSeconds()));
      x.put("actual_s", r6(r.repair().actualSeconds()));
      actions.add(x);
    }
    out.put("actions", actions);
    return out;
  }

  private static Map<String, Object> tierTotals(List<DemoRun.RankRepair> list) {
    Map<String, Object> x = new LinkedHashMap<>();
    x.put("loads", list.size());
    x.put("bytes", list.stream().mapToLong(r -> r.repair().action().bytes()).sum());
    x.put(
        "estimated_s",
        r6(list.stream().mapToDouble(r -> r.repair().action().estimatedSeconds()).sum()));
    x.put("actual_s", r6(list.stream().mapToDouble(r -> r.repair().actualSeconds()).sum()));
    return x;
  }

  private static String causeOf(Recorder rec, long epoch) {
    for (Recorder.ViewRecord v : rec.views()) {
      if (v.view().epoch() == epoch) {
        return v.view().cause();
      }
    }
    return null;
  }

  private static List<Map<String, Object>> ranks(List<DemoRun.RankSnapshot> snapshots) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (DemoRun.RankSnapshot snap : snapshots) {
      RankStats s = snap.stats();
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("rank", s.owner().rank());
      x.put("incarnation", s.owner().incarnation());
      x.put("epoch", s.epoch());
      x.put("steps_completed", s.steps().completed());
      x.put("steps_aborted", s.steps().aborted());
      x.put("steps_rerun", s.steps().rerun());
      x.put("tokens_emitted", s.tokensEmitted());
      x.put("connections_opened", s.connectionsOpened());
      x.put("rebuilds", s.rebuilds().total());
      x.put("routing_updates", s.routingUpdates());
      x.put("expert_bytes_loaded", s.loads().expertBytes());
      x.put("checkpoint_bytes_read", s.loads().checkpointBytes());
      x.put("fenced_messages", s.fencedMessages());
      x.put("probes_sent", s.probes().sent());
      x.put("probes_answered", s.probes().answered());
      x.put("probes_failed", s.probes().failed());
      x.put("dense_ms", Math.round(snap.denseNanos() / 1e6));
      x.put("comm_ms", Math.round(snap.commNanos() / 1e6));
      x.put("expert_ms", Math.round(snap.expertNanos() / 1e6));
      out.add(x);
    }
    return out;
  }

  static Double r1(Double v) {
    return v == null ? null : Math.round(v * 10) / 10.0;
  }

  static Double r6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
