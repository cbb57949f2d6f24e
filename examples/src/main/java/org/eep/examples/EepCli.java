package org.eep.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code eep} command line: {@code ./eep <command>}. */
@Command(name = "eep", mixinStandardHelpOptions = true, version = "eep 0.1.0",
    description = "Elastic expert parallelism for MoE inference on DJL.",
    subcommands = {DemoCommand.class})
public final class EepCli {
  public static void main(String[] args) {
    System.exit(new CommandLine(new EepCli()).execute(args));
  }
}
