package org.eep.examples.demo;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eep.djl.model.Preset;

/**
 * What a demo run does: the instance (ranks, providers, preset), the load (open-loop Poisson at
 * {@code ratePerSecond}, or {@code clients} closed-loop clients when that is > 0), how long, and
 * the scheduled faults. Immutable.
 *
 * @param options extra {@code eep_} configuration keys passed to the instance as they are
 * @param verify compare every completed request with the reference model after the run
 * @param drainSeconds how long to wait after the load for in-flight requests and pending rejoins
 */
public record Scenario(
    int ranks,
    String transport,
    String membership,
    Preset preset,
    long seed,
    double durationSeconds,
    double ratePerSecond,
    int clients,
    List<FaultEvent> faults,
    RequestShape shape,
    Map<String, String> options,
    boolean verify,
    double drainSeconds) {

  /** Transports the in-process demo runs: every rank is a thread of this JVM. */
  public static final Set<String> IN_PROCESS_TRANSPORTS = Set.of("local", "tcp");

  /** Membership providers the in-process demo runs. */
  public static final Set<String> IN_PROCESS_MEMBERSHIPS = Set.of("local", "static");

  /** Transports that span rank processes. */
  public static final Set<String> PROCESS_TRANSPORTS = Set.of("ucx", "tcp");

  /** Membership providers that span rank processes. */
  public static final Set<String> PROCESS_MEMBERSHIPS = Set.of("zookeeper");

  public Scenario {
    requireNonNull(transport, "transport is null");
    requireNonNull(membership, "membership is null");
    requireNonNull(preset, "preset is null");
    requireNonNull(shape, "shape is null");
    faults = faults.stream().sorted(Comparator.comparingDouble(FaultEvent::atSeconds)).toList();
    options = Map.copyOf(options);
  }

  /**
   * The demo's defaults: 4 ranks, local providers, 30 s, kill rank 1 at 1/3 and restart it at 2/3.
   */
  public static Scenario defaults(Preset preset) {
    return new Scenario(
        4,
        "local",
        "local",
        preset,
        42,
        30,
        defaultRate(preset),
        0,
        defaultFaults(4, 30),
        RequestShape.MIXED,
        Map.of(),
        true,
        120);
  }

  /**
   * Kill rank 1 about a third of the way through and restart it about two thirds through (nothing
   * for one rank).
   */
  public static List<FaultEvent> defaultFaults(int ranks, double durationSeconds) {
    if (ranks < 2) {
      return List.of();
    }
    return List.of(
        new FaultEvent(FaultEvent.Kind.KILL, 1, round1(durationSeconds / 3)),
        new FaultEvent(FaultEvent.Kind.REJOIN, 1, round1(2 * durationSeconds / 3)));
  }

  /**
   * Requests per second that keep rank processes busy on a 2-core machine without overloading it:
   * lower than in one JVM, because every step synchronises four processes that share two cores.
   */
  public static double defaultRate(Preset preset, boolean multiProcess) {
    if (!multiProcess) {
      return defaultRate(preset);
    }
    return switch (preset) {
      case TINY -> 12;
      case SMALL -> 10;
      case DEMO -> 8;
      case LARGE -> 2;
    };
  }

  /**
   * Requests per second that keep the in-process instance busy on a 2-core machine without
   * overloading it.
   */
  public static double defaultRate(Preset preset) {
    return switch (preset) {
      case TINY -> 60;
      case SMALL -> 40;
      case DEMO -> 20;
      case LARGE -> 4;
    };
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /**
   * Whether the ranks run as processes of this machine ({@code ucx} or {@code tcp} transport with
   * {@code zookeeper} membership) rather than as threads of this JVM.
   */
  public boolean multiProcess() {
    return PROCESS_TRANSPORTS.contains(transport) && PROCESS_MEMBERSHIPS.contains(membership);
  }

  /**
   * Checks what this build can run: ranks as threads of this JVM ({@code local} or {@code tcp}
   * transport with {@code local} or {@code static} membership) or as processes ({@code ucx} or
   * {@code tcp} with {@code zookeeper}); returns the problems (empty if none), each a sentence a
   * user can act on.
   */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (ranks < 1 || ranks > 64) {
      out.add("--ranks must be in [1, 64], got " + ranks);
    }
    if (!multiProcess()) {
      String transportHint = transport + " ranks as processes need --membership zookeeper";
      String membershipHint =
          membership
              + "-coordinated ranks run as processes and need --transport "
              + String.join(" or ", sorted(PROCESS_TRANSPORTS));
      inProcessOnly(
          out, "--transport", transport, IN_PROCESS_TRANSPORTS, PROCESS_TRANSPORTS, transportHint);
      inProcessOnly(
          out,
          "--membership",
          membership,
          IN_PROCESS_MEMBERSHIPS,
          PROCESS_MEMBERSHIPS,
          membershipHint);
    }
    if (!(durationSeconds > 0)) {
      out.add("--duration must be > 0 s, got " + durationSeconds);
    }
    if (clients <= 0 && !(ratePerSecond > 0)) {
      out.add("--rate must be > 0 requests/s, got " + ratePerSecond);
    }
    if (shape.maxPositions() > preset.config().maxPositions()) {
      out.add(
          "requests of up to "
              + shape.maxPositions()
              + " positions do not fit preset "
              + preset.id()
              + " ("
              + preset.config().maxPositions()
              + " positions)");
    }
    for (FaultEvent f : faults) {
      String flag = "--" + f.kind().id() + " " + f.target() + "@" + f.atSeconds();
      if (f.target() instanceof FaultEvent.Target.Rank r && r.rank() >= ranks) {
        out.add(flag + ": rank " + r.rank() + " does not exist (ranks 0.." + (ranks - 1) + ")");
      }
      if (f.target() instanceof FaultEvent.Target.Leader && !membership.equals("zookeeper")) {
        out.add(
            flag
                + ": only with --membership zookeeper (with "
                + membership
                + " the coordinator is not a rank)");
      }
      if (f.atSeconds() > durationSeconds) {
        out.add(flag + ": after the end of the run (--duration " + durationSeconds + ")");
      }
    }
    return out;
  }

  /** The configuration as report.json shows it. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("transport", transport);
    m.put("membership", membership);
    m.put("ranks", ranks);
    m.put("preset", preset.id());
    m.put("seed", seed);
    m.put("duration_s", durationSeconds);
    if (clients > 0) {
      m.put("load", "closed loop");
      m.put("clients", clients);
    } else {
      m.put("load", "poisson");
      m.put("rate_per_s", ratePerSecond);
    }
    m.put("prompt_tokens", shape.minPrompt() + ".." + shape.maxPrompt());
    m.put("new_tokens", shape.minNewTokens() + ".." + shape.maxNewTokens());
    m.put("faults", faults.stream().map(FaultEvent::toString).toList());
    m.put("options", options);
    return m;
  }

  /**
   * Adds the problem with {@code flag value} for ranks that run as threads of this JVM, which take
   * only {@code inProcess}; ends with {@code processHint} when the value is one for rank processes.
   */
  private static void inProcessOnly(
      List<String> out,
      String flag,
      String value,
      Set<String> inProcess,
      Set<String> forProcesses,
      String processHint) {
    if (!inProcess.contains(value)) {
      out.add(
          flag
              + " "
              + value
              + ": ranks as threads of this JVM run "
              + String.join(" or ", sorted(inProcess))
              + (forProcesses.contains(value) ? "; " + processHint : ""));
    }
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
