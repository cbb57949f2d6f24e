package org.eep.server.rank;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eep.api.placement.ExpertPlacement;
import org.eep.djl.rank.RankRuntime;

/**
 * What a rank reports of itself, the same document wherever it runs (a rank process's {@code GET
 * /status}, a rank thread of {@code eep serve}'s own JVM): identity and state, whether its
 * membership handle commits the views ({@code coordinator}), coverage, counters ({@code stats}),
 * transport counts, peer breakers, executed repairs, step timings ({@code timings}: dense, comm and
 * expert nanoseconds, expert slots used, token rows its experts computed, steps), the tokens it
 * routed per (layer, expert) over the rebalance window ({@code routedLoad}, row-major by layer),
 * the expert column of each physical slot ({@code placement}), the logical expert of each column in
 * each layer ({@code layerMap}) and its last rebalancing events. Read from any thread.
 */
public final class RankStatus {
  /** Special floating-point values allowed: a repair's estimate is infinite over a tier of 0. */
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  private RankStatus() {}

  /** The status of {@code r} as JSON. */
  public static JsonObject of(RankRuntime r) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("rank", r.rank());
    s.put("incarnation", r.incarnation());
    s.put("serving", r.serving());
    s.put("uncovered", r.uncoveredExperts());
    s.put("stats", r.stats());
    s.put("state", r.state());
    s.put("coordinator", r.membership().coordinating());
    s.put("transport", r.transportStats());
    s.put("peers", r.peerStates());
    s.put("repairs", r.repairs());
    Map<String, Long> timings = new LinkedHashMap<>();
    timings.put("denseNanos", r.timings().denseNanos());
    timings.put("commNanos", r.timings().commNanos());
    timings.put("expertNanos", r.timings().expertNanos());
    timings.put("slotsUsed", r.timings().slotsUsed());
    timings.put("steps", r.timings().steps());
    timings.put("expertRows", r.timings().expertRows());
    s.put("timings", timings);
    s.put("routedLoad", r.routedLoad());
    ExpertPlacement placement = r.placement();
    s.put("placement", placement == null ? null : placement.physicalToLogical());
    s.put("layerMap", r.layerMap().toArray());
    s.put("rebalances", r.rebalances());
    return GSON.toJsonTree(s).getAsJsonObject();
  }

  /** {@code status} as JSON text. */
  static String toJson(JsonObject status) {
    return GSON.toJson(status);
  }
}
