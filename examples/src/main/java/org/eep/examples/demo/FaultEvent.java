package org.eep.examples.demo;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * One scheduled fault action of a demo run: {@code kill} (abrupt, like {@code kill -9}), {@code
 * stop} (frozen, like {@code SIGSTOP}: the rank thread blocks and its heartbeats stop) or {@code
 * rejoin} (a new incarnation takes the slot), at {@code atSeconds} after the load starts, of one
 * rank or of {@link Target.Leader the leader}.
 */
public record FaultEvent(Kind kind, Target target, double atSeconds) {
  /** Which rank a fault hits. */
  public sealed interface Target {
    /** A rank by its index. */
    record Rank(int rank) implements Target {
      public Rank {
        if (rank < 0) {
          throw new IllegalArgumentException("rank must be >= 0, got " + rank);
        }
      }

      @Override
      public String toString() {
        return Integer.toString(rank);
      }
    }

    /**
     * The rank coordinating membership when the fault happens (ZooKeeper: the elected leader); a
     * later rejoin of {@code leader} brings back the rank the last kill or stop of {@code leader}
     * hit.
     */
    record Leader() implements Target {
      @Override
      public String toString() {
        return "leader";
      }
    }
  }

  /** What happens to the rank. */
  public enum Kind {
    KILL,
    STOP,
    REJOIN;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A fault of rank {@code rank}. */
  public FaultEvent(Kind kind, int rank, double atSeconds) {
    this(kind, new Target.Rank(rank), atSeconds);
  }

  public FaultEvent {
    requireNonNull(kind, "kind is null");
    requireNonNull(target, "target is null");
    if (!(atSeconds >= 0)) {
      throw new IllegalArgumentException("time must be >= 0 s, got " + atSeconds);
    }
  }

  /** Parses {@code RANK@SECONDS} or {@code leader@SECONDS}, e.g. {@code 1@10} or {@code 2@7.5}. */
  public static FaultEvent parse(Kind kind, String spec) {
    String s = requireNonNull(spec, "spec is null").trim();
    int at = s.indexOf('@');
    if (at <= 0 || at == s.length() - 1) {
      throw new IllegalArgumentException(
          "--" + kind.id() + " expects RANK@SECONDS (e.g. 1@10 or leader@10), got '" + spec + "'");
    }
    try {
      String who = s.substring(0, at).trim();
      return new FaultEvent(
          kind,
          who.equals("leader") ? new Target.Leader() : new Target.Rank(Integer.parseInt(who)),
          Double.parseDouble(s.substring(at + 1).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + kind.id() + " expects RANK@SECONDS (e.g. 1@10 or leader@10), got '" + spec + "'",
          e);
    }
  }

  @Override
  public String toString() {
    return kind.id() + " " + target + "@" + atSeconds;
  }
}
