package org.eep.examples.bench;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Small statistics over benchmark repetitions. */
final class Stats {
  private Stats() {}

  /** Median of the non-null values, or null if there are none. */
  static Double median(List<Double> values) {
    List<Double> v = values.stream().filter(Objects::nonNull).sorted().toList();
    if (v.isEmpty()) {
      return null;
    }
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : a / b;
  }

  static String fmt(Double v, String pattern) {
    return v == null ? "n/a" : String.format(Locale.ROOT, pattern, v);
  }
}
