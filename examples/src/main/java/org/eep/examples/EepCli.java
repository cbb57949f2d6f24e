package org.eep.examples;

import org.eep.examples.bench.BenchCommand;
import org.eep.examples.cluster.ClusterCommand;
import org.eep.examples.config.ConfigCommand;
import org.eep.examples.model.ModelCommand;
import org.eep.examples.plan.SimulateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code eep} command line: {@code ./eep <command>}. */
@Command(
    name = "eep",
    mixinStandardHelpOptions = true,
    version = "eep 0.1.0",
    description = "Elastic expert parallelism for MoE inference on DJL.",
    subcommands = {
      DemoCommand.class,
      ClusterCommand.class,
      ModelCommand.class,
      BenchCommand.class,
      SimulateCommand.class,
      ConfigCommand.class
    })
public final class EepCli implements Runnable {
  @Spec CommandSpec spec;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    defaults();
    System.exit(new CommandLine(new EepCli()).execute(args));
  }

  /**
   * JVM-wide defaults the commands rely on, each unless already set: headless charts, DJL offline,
   * and one PyTorch thread per operator (every rank is a thread of this JVM, so intra-op threads
   * would only oversubscribe the cores; the tests run the same way).
   */
  static void defaults() {
    setIfAbsent("java.awt.headless", "true");
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.pytorch.num_threads", "1");
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
