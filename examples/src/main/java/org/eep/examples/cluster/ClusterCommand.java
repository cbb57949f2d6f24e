package org.eep.examples.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.examples.DaemonThreads;
import org.eep.examples.InstanceOptions;
import org.eep.examples.demo.ModelCache;
import org.eep.server.launcher.ProcessCluster;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep cluster}: rank processes on this machine (one JVM per rank) with an embedded
 * ZooKeeper, under a Poisson load. Faults come from flags ({@code --kill 1@10}) or from standard
 * input ({@code kill 1}, {@code stop 1}, {@code cont 1}, {@code restart 1}, {@code quit}); every
 * rank's output is streamed with a {@code [rank N]} prefix.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Start rank processes (UCX or tcp, ZooKeeper membership) under load; kill, stop, cont and restart ranks.")
public final class ClusterCommand implements Callable<Integer> {
  @Mixin InstanceOptions instance = new InstanceOptions("tiny");

  @Option(
      names = "--transport",
      description = "ucx or tcp (default: ucx when libucx is installed, else tcp).")
  String transport;

  @Option(
      names = "--membership",
      defaultValue = "zookeeper",
      description = "Only zookeeper spans processes (default ${DEFAULT-VALUE}).")
  String membership;

  @Option(
      names = "--zookeeper",
      defaultValue = "embedded",
      description = "ZooKeeper connect string, or embedded (default).")
  String zookeeper;

  @Option(
      names = "--duration",
      defaultValue = "0",
      description = "Seconds of load; 0 = until 'quit' on standard input.")
  int duration;

  @Option(names = "--rate", defaultValue = "4", description = "Requests per second (Poisson).")
  double rate;

  @Option(names = "--kill", description = "RANK@SEC: kill -9 a rank at that second.")
  List<String> kills = new ArrayList<>();

  @Option(names = "--stop", description = "RANK@SEC: SIGSTOP a rank at that second.")
  List<String> stops = new ArrayList<>();

  @Option(names = "--cont", description = "RANK@SEC: SIGCONT a rank at that second.")
  List<String> conts = new ArrayList<>();

  @Option(
      names = "--restart",
      description = "RANK@SEC: start a new process for a dead rank at that second.")
  List<String> restarts = new ArrayList<>();

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the load and the model.")
  long seed;

  @Override
  public Integer call() throws Exception {
    String t = transport != null ? transport : (UcxProbe.available() ? "ucx" : "tcp");
    if (transport == null && t.equals("tcp")) {
      System.out.println(
          "eep cluster: libucx not found (apt-get install libucx0); using the tcp transport");
    }
    Path model = ModelCache.ensure(instance.preset(), seed, System.out::println);
    int ranks = instance.ranks();
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("eep_instance", "cluster-" + ProcessHandle.current().pid());
    options.put("eep_max_ranks", ranks);
    options.put("eep_transport", t);
    options.put("eep_membership", membership);
    options.put("eep_zookeeper_connect", zookeeper);
    options.put("eep_heartbeat_ms", 200);
    options.put("eep_heartbeat_misses", 10);
    EepConfig config = EepConfig.fromEnvironment(options);
    System.out.println(
        "eep cluster: starting " + ranks + " rank processes (" + t + ", " + membership + ")...");
    AtomicLong tokens = new AtomicLong();
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    try (ProcessCluster c = ProcessCluster.start(config, model, System.out::println)) {
      System.out.println(
          "eep cluster: serving at "
              + c.view().summary()
              + (duration == 0 ? "; commands: kill N | stop N | cont N | restart N | quit" : ""));
      ScheduledExecutorService timer =
          Executors.newScheduledThreadPool(2, DaemonThreads.named("eep-cluster-driver"));
      schedule(timer, c, kills, "kill");
      schedule(timer, c, stops, "stop");
      schedule(timer, c, conts, "cont");
      schedule(timer, c, restarts, "restart");
      long[] last = {0};
      timer.scheduleAtFixedRate(
          () -> {
            long now = tokens.get();
            MembershipView v = c.view();
            System.out.printf(
                "eep cluster: %s  %d tokens/s  %d active  completed %d  failed %d%n",
                v.summary(), now - last[0], v.activeCount(), completed.get(), failed.get());
            last[0] = now;
          },
          1,
          1,
          TimeUnit.SECONDS);
      Thread load =
          DaemonThreads.start("eep-cluster-load", () -> load(c, tokens, completed, failed));
      if (duration > 0) {
        load.join(TimeUnit.SECONDS.toMillis(duration));
      } else {
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("quit")) {
          command(c, line.trim());
        }
      }
      load.interrupt();
      timer.shutdownNow();
    }
    System.out.printf(
        "eep cluster: done; %d requests completed, %d failed%n", completed.get(), failed.get());
    return failed.get() == 0 ? 0 : 1;
  }

  private void load(
      ProcessCluster c, AtomicLong tokens, AtomicInteger completed, AtomicInteger failed) {
    Random rnd = new Random(seed);
    int vocab = 512;
    try {
      for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
        Thread.sleep(
            (long)
                (-Math.log(1 - rnd.nextDouble())
                    / rate
                    * 1000)); // Poisson arrivals, not synchronisation
        GenerationRequest r =
            new GenerationRequest(
                "c" + i, rnd.ints(1 + rnd.nextInt(8), 0, vocab).toArray(), 4 + rnd.nextInt(28));
        try {
          CompletableFuture<GenerationResult> f =
              c.submit(r, (id, idx, tok, owner) -> tokens.incrementAndGet());
          f.whenComplete((res, err) -> (err == null ? completed : failed).incrementAndGet());
        } catch (RequestRejectedException e) {
          failed.incrementAndGet();
          System.out.println("eep cluster: rejected " + r.id() + ": " + e.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void schedule(
      ScheduledExecutorService timer, ProcessCluster c, List<String> specs, String action) {
    for (String spec : specs) {
      String[] p = spec.split("@");
      if (p.length != 2) {
        throw new IllegalArgumentException("--" + action + " takes RANK@SEC, got '" + spec + "'");
      }
      timer.schedule(
          () -> command(c, action + " " + p[0]),
          (long) (Double.parseDouble(p[1]) * 1000),
          TimeUnit.MILLISECONDS);
    }
  }

  private static void command(ProcessCluster c, String line) {
    String[] w = line.split("\\s+");
    if (w.length != 2) {
      if (!line.isEmpty()) {
        System.out.println("eep cluster: commands are kill N | stop N | cont N | restart N | quit");
      }
      return;
    }
    try {
      int r = Integer.parseInt(w[1]);
      switch (w[0]) {
        case "kill" -> c.kill(r);
        case "stop" -> c.stop(r);
        case "cont" -> c.cont(r);
        case "restart" -> c.restart(r);
        default -> {
          System.out.println("eep cluster: unknown command '" + w[0] + "'");
          return;
        }
      }
      System.out.println("eep cluster: " + w[0] + " rank " + r);
    } catch (Exception e) {
      System.out.println("eep cluster: " + line + " failed: " + e.getMessage());
    }
  }
}
