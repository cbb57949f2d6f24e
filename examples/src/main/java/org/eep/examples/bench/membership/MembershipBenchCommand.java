package org.eep.examples.bench.membership;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eep.examples.Logs;
import org.eep.examples.bench.Machine;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.bench.membership.MembershipBench.Result;
import org.eep.examples.bench.membership.MembershipBench.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench membership --out DIR}: evidence → every rank applied the resulting view, for
 * membership {@code local} (in-process coordinator) and {@code zookeeper} (a real ZooKeeper server,
 * embedded by default) in the same run. Writes {@code membership.json} to DIR and the section
 * between the {@code membership-bench} markers of {@code docs/benchmarks/zookeeper.md}.
 */
@Command(
    name = "membership",
    mixinStandardHelpOptions = true,
    description =
        "Time from evidence reported to every rank having applied the resulting view: local vs zookeeper.")
public final class MembershipBenchCommand implements Callable<Integer> {

  @Mixin SuiteFiles files = SuiteFiles.required("docs/benchmarks/zookeeper.md");

  @Option(
      names = "--ranks",
      defaultValue = "4",
      description = "Ranks (one membership handle each) (default: ${DEFAULT-VALUE}).")
  int ranks;

  @Option(
      names = "--reps",
      defaultValue = "100",
      description = "Timed evidence → view repetitions per provider (default: ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description = "Untimed repetitions first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--heartbeat-ms",
      defaultValue = "100",
      description = "eep_heartbeat_ms (default: ${DEFAULT-VALUE}).")
  long heartbeatMs;

  @Option(
      names = "--heartbeat-misses",
      defaultValue = "5",
      description = "eep_heartbeat_misses (default: ${DEFAULT-VALUE}).")
  int heartbeatMisses;

  @Option(
      names = "--zookeeper-connect",
      defaultValue = "embedded",
      description =
          "eep_zookeeper_connect: embedded (a ZooKeeper server in this JVM) or host:port,... (default: ${DEFAULT-VALUE}).")
  String zookeeperConnect;

  @Option(
      names = "--provider-logs",
      description = "Keep the providers' INFO logs (one line per committed view).")
  boolean verbose;

  /** Runs the command on its own, without the {@code eep} launcher. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new MembershipBenchCommand()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (ranks < 3 || reps < 30 || warmup < 0) {
      System.err.println(
          "eep bench membership: --ranks >= 3, --reps >= 30 (for a p99), --warmup >= 0");
      return 2;
    }
    if (!verbose) {
      Logs.quiet("org.eep", "org.apache.zookeeper", "org.apache.curator");
    }
    Settings settings = new Settings(ranks, reps, warmup, heartbeatMs, heartbeatMisses);
    double loadBefore = Machine.loadAverage();
    List<Result> results = new ArrayList<>();
    System.err.printf(
        Locale.ROOT, "eep bench membership: local, %d ranks, %d reps...%n", ranks, reps);
    results.add(MembershipBench.run("local", Map.of(), "in-process coordinator", settings));
    String where =
        "embedded".equals(zookeeperConnect)
            ? "embedded ZooKeeper server (this JVM, loopback)"
            : "ZooKeeper at " + zookeeperConnect;
    System.err.printf(
        Locale.ROOT,
        "eep bench membership: zookeeper (%s), %d ranks, %d reps...%n",
        where,
        ranks,
        reps);
    results.add(
        MembershipBench.run(
            "zookeeper", Map.of("eep_zookeeper_connect", zookeeperConnect), where, settings));

    double loadAfter = Machine.loadAverage();
    String command =
        "./eep bench membership --out "
            + files.out()
            + (ranks == 4 ? "" : " --ranks " + ranks)
            + (reps == 100 ? "" : " --reps " + reps)
            + (warmup == 10 ? "" : " --warmup " + warmup)
            + (heartbeatMs == 100 ? "" : " --heartbeat-ms " + heartbeatMs)
            + (heartbeatMisses == 5 ? "" : " --heartbeat-misses " + heartbeatMisses)
            + ("embedded".equals(zookeeperConnect)
                ? ""
                : " --zookeeper-connect " + zookeeperConnect);
    Map<String, Object> json = files.jsonHeader(command);
    json.put("availableProcessors", Machine.cores());
    json.put("loadAverageBefore", loadBefore);
    json.put("loadAverageAfter", loadAfter);
    json.put("settings", settings);
    json.put("results", results);
    files.publish(
        SuiteFiles.PRETTY.toJson(json),
        section(results, command, loadBefore, loadAfter),
        "# Membership provider `zookeeper`: benchmarks");
    return 0;
  }

  private String section(
      List<Result> results, String command, double loadBefore, double loadAfter) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Evidence to view on every rank: local vs zookeeper\n\n");
    sb.append("Time from `reportEvidence` (a transport error, reported by rank 1 against rank ")
        .append(ranks - 1)
        .append(") until **every** one of the ")
        .append(ranks)
        .append(" ranks' membership handles has delivered the view that fails it ")
        .append(
            "to its listener (where a rank applies it). Each rank has its own handle (for `zookeeper`: its own session, and a ")
        .append(
            "candidate in the election). After each repetition the rank rejoins and is activated. ")
        .append(reps)
        .append(" timed repetitions after ")
        .append(warmup)
        .append(" warm-up ones, ")
        .append("`eep_heartbeat_ms=")
        .append(heartbeatMs)
        .append("`, `eep_heartbeat_misses=")
        .append(heartbeatMisses)
        .append("`, ")
        .append(
            Machine.shared(
                String.format(Locale.ROOT, "%.1f before, %.1f after", loadBefore, loadAfter)))
        .append(". `local` runs first, then `zookeeper`.\n\n");
    sb.append(files.reproduce(command));
    sb.append(
        "| provider | against | median (all ranks) | p99 (all ranks) | min | max | median (first rank) |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      sb.append("| `")
          .append(r.provider())
          .append("` | ")
          .append(r.where())
          .append(" | ")
          .append(MembershipBench.ms(r.medianAllMs()))
          .append(" | ")
          .append(MembershipBench.ms(r.p99AllMs()))
          .append(" | ")
          .append(MembershipBench.ms(r.minAllMs()))
          .append(" | ")
          .append(MembershipBench.ms(r.maxAllMs()))
          .append(" | ")
          .append(MembershipBench.ms(r.medianFirstMs()))
          .append(" |\n");
    }
    Result local = results.get(0);
    Result zk = results.get(1);
    sb.append('\n')
        .append(
            String.format(
                Locale.ROOT,
                "`zookeeper` / `local`: %.1f× at the median, %.1f× at p99. The ZooKeeper path is two durable writes (the request znode, then "
                    + "the leader's transaction creating the view znode and answering the request) plus one watch notification and one read "
                    + "per rank; `local` is a monitor and an executor hop per rank.%n",
                zk.medianAllMs() / local.medianAllMs(),
                zk.p99AllMs() / local.p99AllMs()));
    return sb.toString();
  }
}
