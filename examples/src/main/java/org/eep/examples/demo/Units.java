package org.eep.examples.demo;

import java.util.Locale;

/** Human-readable numbers for the terminal and the docs. */
public final class Units {
  private Units() {}

  public static String bytes(long b) {
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }
    if (b >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }
    if (b >= 1L << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
    return b + " B";
  }

  /** Milliseconds, or "n/a" for null. */
  public static String ms(Double ms) {
    if (ms == null) {
      return "n/a";
    }
    return ms >= 10_000
        ? String.format(Locale.ROOT, "%.1f s", ms / 1e3)
        : String.format(Locale.ROOT, "%.0f ms", ms);
  }
}
