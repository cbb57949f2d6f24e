package org.eep.examples.bench;

import org.eep.examples.bench.detection.DetectionBenchCommand;
import org.eep.examples.bench.membership.MembershipBenchCommand;
import org.eep.examples.bench.rebalance.RebalanceBenchCommand;
import org.eep.examples.bench.restart.ProcessRestartBenchCommand;
import org.eep.examples.bench.restart.ScaleBenchCommand;
import org.eep.examples.bench.restart.SpareBenchCommand;
import org.eep.examples.bench.step.StepBenchCommand;
import org.eep.examples.bench.throughput.ThroughputBenchCommand;
import org.eep.examples.bench.transport.TransportBenchCommand;
import org.eep.examples.plan.PlanBenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./eep bench}: the benchmark suites; each writes JSON to {@code --out} and its section of
 * the docs.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark suites (each writes JSON to --out DIR and updates the docs).",
    subcommands = {
      OverheadBenchCommand.class,
      RecoveryBenchCommand.class,
      PlanBenchCommand.class,
      TransportBenchCommand.class,
      MembershipBenchCommand.class,
      StepBenchCommand.class,
      ThroughputBenchCommand.class,
      ProcessRestartBenchCommand.class,
      SpareBenchCommand.class,
      ScaleBenchCommand.class,
      DetectionBenchCommand.class,
      RebalanceBenchCommand.class
    })
public final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
