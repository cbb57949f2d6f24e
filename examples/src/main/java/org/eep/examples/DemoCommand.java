package org.eep.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.eep.djl.model.Preset;
import org.eep.examples.demo.DemoReport;
import org.eep.examples.demo.DemoRun;
import org.eep.examples.demo.FaultEvent;
import org.eep.examples.demo.LiveView;
import org.eep.examples.demo.Metrics;
import org.eep.examples.demo.ModelCache;
import org.eep.examples.demo.RequestShape;
import org.eep.examples.demo.Scenario;
import org.eep.examples.demo.TimelineChart;
import org.eep.examples.demo.Units;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep demo}: serves a generated MoE model with an EP instance (by default rank processes
 * over ucx, or tcp without libucx, and an embedded ZooKeeper; ranks as threads of this JVM with
 * {@code --transport local --membership local}) under seeded Poisson load, kills a rank about a
 * third of the way through and restarts it about two thirds through, shows it live, checks every
 * token against the reference model, and with {@code --report DIR} writes {@code report.json} and
 * {@code timeline.png}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve a generated MoE model under load through a rank failure and rejoin.",
      "Without --kill/--stop/--rejoin: kill rank 1 at 1/3 of --duration and restart it at 2/3."
    })
public final class DemoCommand implements Callable<Integer> {
  @Mixin InstanceOptions instance = new InstanceOptions("demo");

  @Option(
      names = "--transport",
      description = {
        "eep_transport: ucx or tcp with --membership zookeeper runs every rank as a process;",
        "local (or tcp with --membership local/static) runs them as threads of this JVM.",
        "Default: ucx when libucx is installed, else tcp; local when --membership is local or static."
      })
  String transport;

  @Option(
      names = "--membership",
      description = {
        "eep_membership: zookeeper (embedded server; rank processes), local (elastic, in this JVM)",
        "or static (a failure stops the instance). Default: zookeeper, or local when --transport is local."
      })
  String membership;

  @Option(
      names = "--model",
      description = "Use this checkpoint directory instead of the cached preset.")
  Path model;

  @Option(
      names = "--duration",
      defaultValue = "30",
      description = "Seconds of load (default: ${DEFAULT-VALUE}).")
  double duration;

  @Option(
      names = "--rate",
      description =
          "Poisson arrivals, requests/s (default: tiny 60, small 40, demo 20, large 4 in this JVM; "
              + "tiny 12, small 10, demo 8, large 2 for rank processes).")
  Double rate;

  @Option(
      names = "--clients",
      defaultValue = "0",
      description = "Closed-loop clients instead of Poisson arrivals (0 = Poisson).")
  int clients;

  @Option(
      names = "--kill",
      paramLabel = "RANK@SEC",
      description =
          "Kill a rank abruptly at SEC (repeatable; RANK may be 'leader': the rank that coordinates then).")
  List<String> kill = new ArrayList<>();

  @Option(
      names = "--stop",
      paramLabel = "RANK@SEC",
      description =
          "Freeze a rank at SEC: SIGSTOP to a rank process; in this JVM its thread blocks and its heartbeats stop (repeatable; RANK may be 'leader').")
  List<String> stop = new ArrayList<>();

  @Option(
      names = "--rejoin",
      paramLabel = "RANK@SEC",
      description = {
        "Bring a failed rank back as a new incarnation at SEC (repeatable):",
        "a killed rank is restarted; a stopped rank process gets SIGCONT and rejoins by itself."
      })
  List<String> rejoin = new ArrayList<>();

  @Option(names = "--no-faults", description = "Run without the default kill and rejoin.")
  boolean noFaults;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description = "Write report.json and timeline.png into DIR.")
  Path report;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the model, the load and the placement (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "KEY=VALUE",
      description = "Extra eep_ configuration, e.g. -o eep_step_timeout_ms=500.")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(names = "--plain", description = "Plain lines instead of the redrawn terminal view.")
  boolean plain;

  @Option(names = "--no-verify", description = "Skip the check against the reference model.")
  boolean noVerify;

  @Override
  public Integer call() throws Exception {
    Path logFile =
        Logs.toFile(
            report != null
                ? report.resolve("demo.log")
                : Path.of(
                    System.getProperty("java.io.tmpdir"),
                    "eep-demo-" + ProcessHandle.current().pid() + ".log"));
    if (report != null) {
      Files.createDirectories(report);
    }
    PrintStream out = System.out;
    Scenario scenario;
    String providers;
    try {
      Providers p = providers(transport, membership, UcxProbe::available);
      transport = p.transport();
      membership = p.membership();
      providers = p.why();
      scenario = scenario();
    } catch (IllegalArgumentException e) {
      System.err.println("eep demo: " + e.getMessage());
      return 2;
    }
    List<String> problems = scenario.problems();
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("eep demo: " + p));
      return 2;
    }
    out.printf(
        Locale.ROOT,
        "eep demo: %d %s, transport %s, membership %s%s%n",
        scenario.ranks(),
        scenario.multiProcess() ? "rank processes" : "ranks as threads of this JVM",
        scenario.transport(),
        scenario.membership(),
        providers == null ? "" : " (" + providers + ")");
    out.printf(
        Locale.ROOT,
        "load: %s, %d s; faults: %s; logs: %s%n",
        scenario.clients() > 0
            ? scenario.clients() + " closed-loop clients"
            : "Poisson " + scenario.ratePerSecond() + " requests/s",
        Math.round(scenario.durationSeconds()),
        scenario.faults().isEmpty() ? "none" : scenario.faults(),
        logFile);
    Path dir =
        model != null
            ? model
            : ModelCache.ensure(scenario.preset(), seed, line -> out.println("model: " + line));
    DemoRun run = new DemoRun(scenario, dir);
    DemoRun.Result result;
    LiveView view = new LiveView(run, out, !plain && LiveView.ansiCapable()).start();
    try {
      result = run.run();
    } finally {
      view.close();
    }
    Metrics m = Metrics.compute(Metrics.timeline(result.recorder(), result.loadEndMs()));
    Map<String, Object> json = DemoReport.build(result, m);
    summary(out, json, m);
    if (report != null) {
      Path file = DemoReport.write(report, json);
      Path png = report.resolve("timeline.png");
      TimelineChart.write(result, m, png);
      out.println("wrote " + file + " and " + png);
    }
    boolean correct =
        ((Number) json.get("stream_errors")).intValue() == 0
            && (json.get("token_mismatches") == null
                || ((Number) json.get("token_mismatches")).intValue() == 0);
    boolean noLoss =
        scenario.membership().equals("static")
            || ((Number) json.get("requests_lost")).intValue() == 0;
    return correct && noLoss ? 0 : 1;
  }

  /** The providers a run uses and, when the defaults chose them, why. */
  record Providers(String transport, String membership, String why) {}

  /**
   * Fills in what the flags leave open. Neither: {@code ucx} + {@code zookeeper} when libucx is
   * installed, else {@code tcp} + {@code zookeeper} (rank processes either way). Only {@code
   * --transport}: {@code local} → {@code local} membership, else {@code zookeeper}. Only {@code
   * --membership}: {@code local}/{@code static} → {@code local} transport, else as neither.
   */
  static Providers providers(String transport, String membership, BooleanSupplier ucxAvailable) {
    if (transport != null && membership != null) {
      return new Providers(transport, membership, null);
    }
    if (transport != null) {
      return new Providers(transport, transport.equals("local") ? "local" : "zookeeper", null);
    }
    if (membership != null && !membership.equals("zookeeper")) {
      return new Providers("local", membership, null);
    }
    boolean ucx = ucxAvailable.getAsBoolean();
    return new Providers(
        ucx ? "ucx" : "tcp",
        "zookeeper",
        ucx
            ? "default: libucx is installed, so ucx"
            : "default: libucx (libucp.so.0) is not installed, so tcp instead of ucx; install Debian's libucx0 for ucx");
  }

  private Scenario scenario() {
    Preset p = instance.preset();
    List<FaultEvent> faults = new ArrayList<>();
    kill.forEach(s -> faults.add(FaultEvent.parse(FaultEvent.Kind.KILL, s)));
    stop.forEach(s -> faults.add(FaultEvent.parse(FaultEvent.Kind.STOP, s)));
    rejoin.forEach(s -> faults.add(FaultEvent.parse(FaultEvent.Kind.REJOIN, s)));
    if (faults.isEmpty() && !noFaults) {
      faults.addAll(Scenario.defaultFaults(instance.ranks(), duration));
    }
    if (noFaults && !faults.isEmpty()) {
      throw new IllegalArgumentException("--no-faults contradicts --kill/--stop/--rejoin");
    }
    double r =
        rate != null
            ? rate
            : Scenario.defaultRate(
                p,
                Scenario.PROCESS_TRANSPORTS.contains(transport)
                    && Scenario.PROCESS_MEMBERSHIPS.contains(membership));
    return new Scenario(
        instance.ranks(),
        transport,
        membership,
        p,
        seed,
        duration,
        r,
        clients,
        faults,
        RequestShape.MIXED,
        options,
        !noVerify,
        Math.max(60, duration * 2));
  }

  private static void summary(PrintStream out, Map<String, Object> j, Metrics m) {
    out.println();
    out.printf(
        Locale.ROOT,
        "requests: %s submitted, %s completed, %s lost, %s rejected; tokens checked against the reference: %s requests, "
            + "%s token mismatches, %s near ties, %s stream errors%n",
        j.get("requests_submitted"),
        j.get("requests_completed"),
        j.get("requests_lost"),
        j.get("requests_rejected"),
        orNa(j.get("requests_verified")),
        orNa(j.get("token_mismatches")),
        orNa(j.get("near_ties")),
        j.get("stream_errors"));
    out.printf(
        Locale.ROOT,
        "throughput before the fault: %s tokens/s (step %s)%n",
        orNa(j.get("tokens_per_s_before_fault")),
        Units.ms(m.stepMs()));
    if (m.faultKind() != null) {
      out.printf(
          Locale.ROOT,
          "%s rank %d: detected in %s, recovery pause %s, 95%% throughput after %s%n",
          m.faultKind(),
          m.faultRank(),
          Units.ms(m.detectionMs()),
          Units.ms(m.recoveryPauseMs()),
          Units.ms(m.timeTo95Ms()));
    }
    if (m.rejoinRank() != null) {
      out.printf(
          Locale.ROOT,
          "rejoin rank %d: active %s after the restart, reintegration pause on healthy ranks %s%n",
          m.rejoinRank(),
          Units.ms(m.rejoinToActiveMs()),
          Units.ms(m.reintegrationPauseMs()));
    }
  }

  private static Object orNa(Object o) {
    return o == null ? "n/a" : o;
  }
}
