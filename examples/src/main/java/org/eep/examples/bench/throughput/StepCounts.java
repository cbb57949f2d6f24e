package org.eep.examples.bench.throughput;

import com.google.gson.JsonObject;
import org.eep.server.instance.ServedInstance;

/**
 * Counts over an instance's ranks, read from what each reports ({@code rankStatus}): steps (rank
 * 0's: every active rank runs every step), expert slots used (summed), and the most steps any
 * request took from its admission to its next token (max).
 */
record StepCounts(long steps, long slotsUsed, long maxStepsToToken) {

  static StepCounts of(ServedInstance instance) {
    long steps = 0;
    long slots = 0;
    long toToken = 0;
    for (int r = 0; r < instance.size(); r++) {
      JsonObject s = instance.rankStatus(r);
      if (!s.has("timings")) {
        continue;
      }
      JsonObject t = s.getAsJsonObject("timings");
      slots += t.get("slotsUsed").getAsLong();
      toToken =
          Math.max(
              toToken,
              s.getAsJsonObject("stats")
                  .getAsJsonObject("admissions")
                  .get("maxStepsToToken")
                  .getAsLong());
      if (r == 0) {
        steps = t.get("steps").getAsLong();
      }
    }
    return new StepCounts(steps, slots, toToken);
  }

  /** The counts since {@code before} (the maximum is the run's). */
  StepCounts minus(StepCounts before) {
    return new StepCounts(steps - before.steps, slotsUsed - before.slotsUsed, maxStepsToToken);
  }
}
