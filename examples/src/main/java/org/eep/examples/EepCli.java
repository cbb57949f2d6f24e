package org.eep.examples;

import java.io.PrintWriter;
import java.util.Map;
import org.eep.api.EepException;
import org.eep.api.config.EepConfig;
import org.eep.examples.bench.BenchCommand;
import org.eep.examples.cluster.ClusterCommand;
import org.eep.examples.config.ConfigCommand;
import org.eep.examples.model.ModelCommand;
import org.eep.examples.plan.SimulateCommand;
import org.eep.examples.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code eep} command line: {@code ./eep <command>}. A user's mistake (a bad key or value, an
 * unknown provider, a bad checkpoint, a port in use, a rank that cannot start, missing libucx) ends
 * the command with one line naming the cause and exit status 2; anything else with one line and
 * status 1. {@code --verbose} adds the stack trace.
 */
@Command(
    name = "eep",
    mixinStandardHelpOptions = true,
    version = "eep 0.1.0",
    description = "Elastic expert parallelism for MoE inference on DJL.",
    subcommands = {
      DemoCommand.class,
      ServeCommand.class,
      ClusterCommand.class,
      ModelCommand.class,
      BenchCommand.class,
      SimulateCommand.class,
      ConfigCommand.class
    })
public final class EepCli implements Runnable {
  /** The exit status of a command stopped by a user's mistake. */
  public static final int USER_ERROR = 2;

  @Spec CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    defaults();
    System.exit(execute(args, System.getenv()));
  }

  /**
   * Runs the command line with {@code env} as the environment it checks ({@code OPTION_EEP_*}) and
   * returns its exit status.
   */
  public static int execute(String[] args, Map<String, String> env) {
    return execute(args, env, new PrintWriter(System.err, true));
  }

  /** {@link #execute(String[], Map)} with errors written to {@code err}. */
  public static int execute(String[] args, Map<String, String> env, PrintWriter err) {
    CommandLine cli = new CommandLine(new EepCli());
    cli.setErr(err);
    cli.setExecutionExceptionHandler(EepCli::failed);
    try {
      EepConfig.of(Map.of(), env); // every OPTION_EEP_* variable must name a known key
    } catch (EepException e) {
      cli.getErr().println("eep: " + EepException.describe(e));
      cli.getErr().flush();
      return USER_ERROR;
    }
    return cli.execute(args);
  }

  private static int failed(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    if (verbose(parsed)) {
      e.printStackTrace(err);
    }
    boolean user = userError(e);
    err.println(
        "eep "
            + command.getCommandName()
            + ": "
            + EepException.describe(e)
            + (user || verbose(parsed) ? "" : " (--verbose for the stack trace)"));
    err.flush();
    return user ? USER_ERROR : 1;
  }

  /** A mistake the user can fix: anything EEP refused on purpose, or a bad argument. */
  private static boolean userError(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof EepException || c instanceof IllegalArgumentException) {
        return true;
      }
    }
    return false;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
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
