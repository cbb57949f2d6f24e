package org.eep.examples.bench.rebalance;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

/**
 * One rank's counters at one moment, read from its status document (the same for a rank thread and
 * a rank process): expert rows and time, dense time, steps, bytes staged by tier, routed load per
 * (layer, expert), its placement and layer map.
 */
record RankSample(
    boolean serving,
    long expertRows,
    long expertNanos,
    long denseNanos,
    long steps,
    long aborted,
    long peerBytes,
    long hostBytes,
    long diskBytes,
    long[][] routedLoad,
    int[] placement,
    int[][] layerMap) {
  private static final Gson GSON = new Gson();

  static RankSample of(JsonObject status) {
    if (status == null || !status.has("timings")) {
      return new RankSample(false, 0, 0, 0, 0, 0, 0, 0, 0, new long[0][], new int[0], new int[0][]);
    }
    JsonObject t = status.getAsJsonObject("timings");
    JsonObject stats = status.getAsJsonObject("stats");
    JsonObject rb = stats.getAsJsonObject("rebalancing");
    return new RankSample(
        status.get("serving").getAsBoolean(),
        t.get("expertRows").getAsLong(),
        t.get("expertNanos").getAsLong(),
        t.get("denseNanos").getAsLong(),
        t.get("steps").getAsLong(),
        stats.getAsJsonObject("steps").get("aborted").getAsLong(),
        rb.get("peerBytesStaged").getAsLong(),
        rb.get("hostBytesStaged").getAsLong(),
        rb.get("diskBytesStaged").getAsLong(),
        GSON.fromJson(status.get("routedLoad"), long[][].class),
        array(status, "placement", int[].class, new int[0]),
        array(status, "layerMap", int[][].class, new int[0][]));
  }

  /** {@code status[key]} if it is an array, else {@code absent}. */
  private static <T> T array(JsonObject status, String key, Class<T> type, T absent) {
    return status.has(key) && status.get(key).isJsonArray()
        ? GSON.fromJson(status.get(key), type)
        : absent;
  }
}
