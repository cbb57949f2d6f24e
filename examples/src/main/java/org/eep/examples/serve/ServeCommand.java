package org.eep.examples.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.eep.api.EepException;
import org.eep.api.config.EepConfig;
import org.eep.server.EepServer;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./eep serve --model DIR}: one's own checkpoint behind the HTTP front end, on rank
 * processes by default (embedded ZooKeeper unless {@code eep_zookeeper_connect} names one), until
 * SIGTERM or Ctrl-C; then the requests in flight finish (bounded by {@code --drain-seconds}) and
 * every rank process it started stops.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve a checkpoint over HTTP: DJL Serving's /predictions, OpenAI-style /v1/completions"
            + " (streaming), operations (/v1/eep/status, drain, rejoin) and /metrics.")
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description =
          "Checkpoint directory: config.json, model.safetensors, tokenizer.json for text.")
  Path model;

  @Option(names = "--name", description = "Model name clients use (default: the directory's name).")
  String name;

  @Option(
      names = "--ranks",
      defaultValue = "4",
      description = "Rank slots (default: ${DEFAULT-VALUE}).")
  int ranks;

  @Option(
      names = "--transport",
      description =
          "ucx, tcp (rank processes) or local (ranks as threads of this JVM); default ucx"
              + " when libucx is installed, else tcp.")
  String transport;

  @Option(
      names = "--membership",
      description =
          "zookeeper (default with rank processes) or local (default with --transport local).")
  String membership;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port (default: ${DEFAULT-VALUE}; 0: any free port).")
  int port;

  @Option(
      names = "--drain-seconds",
      defaultValue = "30",
      description =
          "On stop, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Option(
      names = {"-o", "--option"},
      description = "An eep_* option, key=value (repeatable); OPTION_EEP_* variables apply too.")
  Map<String, String> options = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    String t = transport != null ? transport : (UcxProbe.available() ? "ucx" : "tcp");
    if (transport == null && t.equals("tcp")) {
      System.out.println(
          "eep serve: libucx not found (apt-get install libucx0); using the tcp transport");
    }
    if (t.equals("ucx") && !UcxProbe.available()) {
      throw new EepException(
          "--transport ucx needs libucx (apt-get install libucx0); or use --transport tcp");
    }
    String m = membership != null ? membership : (t.equals("local") ? "local" : "zookeeper");
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("eep_instance", "serve-" + ProcessHandle.current().pid());
    o.put("eep_max_ranks", ranks);
    o.put("eep_transport", t);
    o.put("eep_membership", m);
    o.putAll(options);
    EepConfig config = EepConfig.fromEnvironment(o);
    String served =
        name != null ? name : model.toAbsolutePath().normalize().getFileName().toString();
    System.out.println("eep serve: starting model '" + served + "' from " + model + " ...");
    EepServer server =
        EepServer.start(
            config,
            new EepServer.Options(model, served, host, port, Duration.ofSeconds(drainSeconds)),
            System.out::println);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("eep serve: stopping (draining requests in flight)...");
                  server.close();
                  System.out.println("eep serve: stopped");
                  stopped.countDown();
                },
                "eep-serve-stop"));
    System.out.println(
        "eep serve: listening on "
            + server.uri()
            + " — model '"
            + served
            + "' ("
            + (server.acceptsText()
                ? "text or token-id prompts"
                : "token-id prompts; no tokenizer.json")
            + "), "
            + server.instance().describe());
    System.out.println(
        "eep serve: POST /v1/completions, POST /predictions/"
            + served
            + ", GET /v1/eep/status, POST /v1/eep/ranks/{r}/drain|rejoin, GET /metrics; Ctrl-C stops");
    stopped.await();
    return 0;
  }
}
