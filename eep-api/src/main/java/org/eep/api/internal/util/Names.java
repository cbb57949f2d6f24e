package org.eep.api.internal.util;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Suggests the nearest known name for a misspelt one (Levenshtein distance). */
public final class Names {
  private Names() {}

  /** The known name closest to {@code name}, if any is within a plausible typo distance. */
  public static Optional<String> nearest(String name, Collection<String> known) {
    int limit = Math.max(3, name.length() / 2);
    return known.stream()
        .filter(k -> distance(name, k) <= limit)
        .min(Comparator.comparingInt((String k) -> distance(name, k)).thenComparing(k -> k));
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
