package org.eep.examples.bench;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Instance options every benchmark suite sets unless told otherwise. {@code
 * eep_heartbeat_misses=20} (2 s at the default 100 ms heartbeat): ranks, the in-process coordinator
 * and the load generator share one JVM, and on a busy 2-core machine a young-generation GC pause of
 * several hundred ms (440 ms measured) stalls every heartbeat at once; with the default 5 misses
 * the coordinator then evicts healthy ranks, which a benchmark of steady state or of an injected
 * kill must not measure. Kill detection is by transport error and does not depend on it.
 */
final class BenchOptions {
  static final Map<String, String> DEFAULTS = Map.of("eep_heartbeat_misses", "20");

  private BenchOptions() {}

  /** The {@code -o} flags that reproduce {@code options} when they differ from the defaults. */
  static String flags(Map<String, String> options) {
    if (options.equals(DEFAULTS)) {
      return "";
    }
    return options.entrySet().stream()
        .map(e -> " -o " + e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining());
  }

  /** A sentence for the docs. */
  static String describe(Map<String, String> options) {
    if (options.isEmpty()) {
      return "";
    }
    String set =
        options.entrySet().stream()
            .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`")
            .collect(Collectors.joining(", "));
    return "Instances run with "
        + set
        + (options.equals(DEFAULTS)
            ? " (2 s of silence before a heartbeat eviction instead of 0.5 s: on this shared 2-core machine a GC pause of the one JVM "
                + "stalls every heartbeat at once, and with the default the coordinator evicted healthy ranks; kills are detected by "
                + "transport errors either way)."
            : ".");
  }
}
