package org.eep.examples.demo;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * One scheduled fault action of a demo run: {@code kill} (abrupt, like {@code kill -9}), {@code
 * stop} (frozen, like {@code SIGSTOP}: the rank thread blocks and its heartbeats stop) or {@code
 * rejoin} (a new incarnation takes the slot), at {@code atSeconds} after the load starts.
 */
public record FaultEvent(Kind kind, int rank, double atSeconds) {
  /** What happens to the rank. */
  public enum Kind {
    KILL,
    STOP,
    REJOIN;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public FaultEvent {
    requireNonNull(kind, "kind is null");
    if (rank < 0) {
      throw new IllegalArgumentException("rank must be >= 0, got " + rank);
    }
    if (!(atSeconds >= 0)) {
      throw new IllegalArgumentException("time must be >= 0 s, got " + atSeconds);
    }
  }

  /** Parses {@code RANK@SECONDS}, e.g. {@code 1@10} or {@code 2@7.5}. */
  public static FaultEvent parse(Kind kind, String spec) {
    String s = requireNonNull(spec, "spec is null").trim();
    int at = s.indexOf('@');
    if (at <= 0 || at == s.length() - 1) {
      throw new IllegalArgumentException(
          "--" + kind.id() + " expects RANK@SECONDS (e.g. 1@10), got '" + spec + "'");
    }
    try {
      return new FaultEvent(
          kind,
          Integer.parseInt(s.substring(0, at).trim()),
          Double.parseDouble(s.substring(at + 1).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + kind.id() + " expects RANK@SECONDS (e.g. 1@10), got '" + spec + "'", e);
    }
  }

  @Override
  public String toString() {
    return kind.id() + " " + rank + "@" + atSeconds;
  }
}
