package org.eep.examples.bench.rebalance;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * One rank's counters at one moment, read from its status document (the same for a rank thread and
 * a rank process): expert rows and time, dense time, steps, rebalancing counts, routed load per
 * (layer, expert) and its placement.
 */
record RankSample(
    int rank,
    boolean serving,
    long expertRows,
    long expertNanos,
    long denseNanos,
    long steps,
    long aborted,
    long switched,
    long snapshots,
    long peerBytes,
    long hostBytes,
    long diskBytes,
    long[][] routedLoad,
    int[] placement,
    int[][] layerMap) {

  static RankSample of(int rank, JsonObject status) {
    if (status == null || !status.has("timings")) {
      return new RankSample(
          rank, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[0][], new int[0], new int[0][]);
    }
    JsonObject t = status.getAsJsonObject("timings");
    JsonObject stats = status.getAsJsonObject("stats");
    JsonObject rb = stats.getAsJsonObject("rebalancing");
    JsonArray load = status.getAsJsonArray("routedLoad");
    long[][] routed = new long[load.size()][];
    for (int l = 0; l < routed.length; l++) {
      JsonArray row = load.get(l).getAsJsonArray();
      routed[l] = new long[row.size()];
      for (int e = 0; e < row.size(); e++) {
        routed[l][e] = row.get(e).getAsLong();
      }
    }
    int[] placement = new int[0];
    if (status.has("placement") && status.get("placement").isJsonArray()) {
      JsonArray p = status.getAsJsonArray("placement");
      placement = new int[p.size()];
      for (int i = 0; i < placement.length; i++) {
        placement[i] = p.get(i).getAsInt();
      }
    }
    int[][] layerMap = new int[0][];
    if (status.has("layerMap") && status.get("layerMap").isJsonArray()) {
      JsonArray m = status.getAsJsonArray("layerMap");
      layerMap = new int[m.size()][];
      for (int l = 0; l < layerMap.length; l++) {
        JsonArray row = m.get(l).getAsJsonArray();
        layerMap[l] = new int[row.size()];
        for (int c = 0; c < row.size(); c++) {
          layerMap[l][c] = row.get(c).getAsInt();
        }
      }
    }
    return new RankSample(
        rank,
        status.get("serving").getAsBoolean(),
        t.get("expertRows").getAsLong(),
        t.get("expertNanos").getAsLong(),
        t.get("denseNanos").getAsLong(),
        t.get("steps").getAsLong(),
        stats.getAsJsonObject("steps").get("aborted").getAsLong(),
        rb.get("switched").getAsLong(),
        rb.get("snapshots").getAsLong(),
        rb.get("peerBytesStaged").getAsLong(),
        rb.get("hostBytesStaged").getAsLong(),
        rb.get("diskBytesStaged").getAsLong(),
        routed,
        placement,
        layerMap);
  }
}
