package org.eep.examples.model;

import picocli.CommandLine.Command;

/** {@code ./eep model}: generated checkpoints. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Generated MoE checkpoints.",
    subcommands = {GenerateCommand.class})
public final class ModelCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
