package org.eep.server.rank;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.inject.Guice;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import org.eep.api.EepException;
import org.eep.api.comm.Transport;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.Owner;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.RankFactory;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.rank.RankSetup;
import org.eep.djl.rank.RankState;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.server.ServerKeys;

/**
 * One rank as its own process: {@code RankProcess --model DIR eep_key=value ...}. Runs the rank
 * (joining through the configured membership, e.g. ZooKeeper) and serves the front end over HTTP on
 * loopback: {@code POST /generate} streams a request's tokens as JSON lines, {@code GET /status}
 * reports the rank's counters, executed repairs and step timings, {@code GET /coverage?without=R}
 * the experts that would be lost if rank R left, and {@code POST /leave} makes the rank leave its
 * slot on purpose (LEFT) and the process exit 0. With {@code --spare} (and no {@code eep_rank}) it
 * is a hot spare: it warms the JVM, DJL, PyTorch and the checkpoint's pages, prints {@code
 * EEP-RANK-SPARE http=PORT}, and waits for {@code POST /assume?rank=R} to take that slot. Prints
 * {@code EEP-RANK-READY rank=R incarnation=I http=PORT} each time an incarnation starts serving,
 * and {@code EEP-RANK-FAILED rank=R cause} (one line: the file, tensor or key at fault) before
 * exiting with status 3 when it cannot start. An incarnation that finds itself evicted (a frozen
 * process that was thawed) is replaced by a new one in the same process: it rejoins as a new
 * incarnation.
 */
public final class RankProcess {
  /** The line prefix a rank process prints each time an incarnation starts serving. */
  public static final String READY = "EEP-RANK-READY";

  /** The line prefix a rank process prints, with the cause, when it cannot start. */
  public static final String FAILED = "EEP-RANK-FAILED";

  /** The exit status of a rank process that could not start. */
  public static final int EXIT_FAILED_TO_START = 3;

  /**
   * Special floating-point values allowed: a repair's estimate is infinite over a tier of bandwidth
   * 0.
   */
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  private static final Duration FORMATION = Duration.ofMinutes(10);

  private volatile RankRuntime current;

  /** Set by {@code POST /leave}: the incarnation's close, which leaves the slot. */
  private volatile CompletableFuture<Void> leaving;

  /** The line prefix a spare prints once it is warm and waits for a slot. */
  public static final String SPARE = "EEP-RANK-SPARE";

  /** A spare's slot, given by {@code POST /assume?rank=R}; null for a process started as a rank. */
  private final CompletableFuture<Integer> assumed;

  private RankProcess(boolean spare) {
    this.assumed = spare ? new CompletableFuture<>() : null;
  }

  public static void main(String[] args) throws Exception {
    Path model = null;
    boolean spare = false;
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--model")) {
        model = Path.of(args[++i]);
      } else if (args[i].equals("--spare")) {
        spare = true;
      } else if (args[i].contains("=")) {
        String[] kv = args[i].split("=", 2);
        options.put(kv[0], kv[1]);
      } else {
        throw new IllegalArgumentException(
            "unexpected argument '"
                + args[i]
                + "'; expected --model DIR, --spare and eep_key=value pairs");
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    int rank = -1;
    RankProcess process = new RankProcess(spare);
    try {
      EepConfig config = EepConfig.fromEnvironment(options);
      rank = config.getInt(EepKeys.RANK);
      process.run(model, config);
    } catch (StartFailure e) {
      System.out.println(
          FAILED + " rank=" + process.slotOr(rank) + " " + EepException.describe(e.getCause()));
      System.out.flush();
      System.exit(EXIT_FAILED_TO_START);
    } catch (Exception e) {
      System.out.println(FAILED + " rank=" + process.slotOr(rank) + " " + EepException.describe(e));
      System.out.flush();
      System.exit(EXIT_FAILED_TO_START);
    }
    System.exit(0);
  }

  /** A rank that could not become ACTIVE, with its cause. */
  private static final class StartFailure extends Exception {
    private static final long serialVersionUID = 1L;

    StartFailure(Throwable cause) {
      super(cause);
    }
  }

  /**
   * A spare warms now what a failure would otherwise wait for: the JVM, DJL, the PyTorch native
   * library, the model's configuration, the checkpoint's pages, and one transport endpoint and one
   * membership handle made and closed (their classes loaded, native libraries initialised, a
   * ZooKeeper session once established), so that taking a slot costs the join and the weights.
   */
  private static void warm(RankFactory ranks, NDManager manager, Path model) throws IOException {
    try (NDManager warm = manager.newSubManager()) {
      warm.ones(new Shape(8, 8)).matMul(warm.ones(new Shape(8, 8))).toFloatArray();
    }
    try (InputStream in = Files.newInputStream(model.resolve(CheckpointGenerator.WEIGHTS))) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    RankSetup probe = ranks.setup(0); // any slot: the endpoint is never published, nothing joins
    try (Transport t = probe.transports().create(probe.config(), 0);
        MembershipService m = probe.memberships().create(probe.config())) {
      m.currentView();
    }
  }

  /** The slot a spare took, else {@code configured}. */
  private int slotOr(int configured) {
    return assumed != null && assumed.isDone() && !assumed.isCompletedExceptionally()
        ? assumed.join()
        : configured;
  }

  private void run(Path model, EepConfig base) throws Exception {
    EepConfig config = base;
    if (assumed == null && config.getInt(EepKeys.RANK) < 0) {
      throw new IllegalArgumentException("a rank process needs eep_rank >= 0 (or --spare)");
    }
    if ("auto".equals(config.getString(EepKeys.TIER_BANDWIDTH))) {
      throw new IllegalArgumentException(
          "eep_tier_bandwidth=auto would be measured differently by each rank process, and every "
              + "rank must plan repairs with the same numbers: give explicit values (peer=..,host=..,disk=.. in GB/s); "
              + "the cluster launcher measures once and passes them");
    }
    HttpServer http = HttpServer.create(address(config), 64);
    http.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "eep-rank-http");
              t.setDaemon(true);
              return t;
            }));
    http.createContext("/generate", this::generate);
    http.createContext("/status", this::status);
    http.createContext("/coverage", this::coverage);
    http.createContext("/leave", this::leave);
    http.createContext("/assume", this::assume);
    http.createContext("/rebalance", this::rebalance);
    http.start();
    try (NDManager manager = NDManager.newBaseManager()) {
      // A spare's slot is not known yet; the wiring is the same for every slot of a rank process
      // (one rank per process: no shared host backup), and each rank's setup names its slot.
      RankFactory ranks =
          Guice.createInjector(
                  new EepModule(
                      assumed != null ? config.with(EepKeys.RANK.name(), 0) : config,
                      model,
                      manager))
              .getInstance(RankFactory.class);
      if (assumed != null) {
        warm(ranks, manager, model);
        System.out.println(SPARE + " http=" + http.getAddress().getPort());
        System.out.flush();
        config = config.with(EepKeys.RANK.name(), assumed.get());
      }
      int rank = config.getInt(EepKeys.RANK);
      while (true) {
        RankRuntime r = ranks.create(rank).start();
        current = r;
        boolean up = r.awaitServing(FORMATION);
        if (!up && r.state() == RankState.EVICTED) {
          // Frozen past its session while it formed: the views went on without it. Join again.
          System.out.println(
              "rank " + rank + " incarnation " + r.incarnation() + " was evicted while forming");
          r.close();
          continue;
        }
        if (!up) {
          Throwable cause = r.failure();
          r.close();
          throw new StartFailure(
              cause != null
                  ? cause
                  : new IllegalStateException(
                      "rank " + rank + " did not become ACTIVE (" + r.state() + ")"));
        }
        System.out.println(
            READY
                + " rank="
                + rank
                + " incarnation="
                + r.incarnation()
                + " http="
                + http.getAddress().getPort());
        System.out.flush();
        RankState end = r.awaitEnd(Duration.ofDays(365));
        CompletableFuture<Void> left = leaving;
        if (left != null) {
          left.join();
          System.out.println("rank " + rank + " left its slot");
          return;
        }
        if (end != RankState.EVICTED) {
          throw new IllegalStateException("rank " + rank + " stopped (" + end + ")", r.failure());
        }
        System.out.println(
            "rank "
                + rank
                + " incarnation "
                + r.incarnation()
                + " was evicted; rejoining as a new incarnation");
        r.close();
      }
    }
  }

  private void generate(HttpExchange ex) throws IOException {
    try (ex) {
      JsonObject body;
      try (InputStream in = ex.getRequestBody()) {
        body =
            GSON.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), JsonObject.class);
      }
      GenerationRequest req =
          new GenerationRequest(
              body.get("id").getAsString(),
              GSON.fromJson(body.get("prompt"), int[].class),
              body.get("max_new_tokens").getAsInt());
      int[] emitted = GSON.fromJson(body.get("emitted"), int[].class);
      Owner owner = GSON.fromJson(body.get("owner"), Owner.class);
      RankRuntime r = current;
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      CompletableFuture<GenerationResult> f =
          r.serve(
              req,
              emitted,
              owner,
              (id, i, t, by) -> lines.add("{\"i\":" + i + ",\"t\":" + t + "}"));
      f.whenComplete(
          (res, err) ->
              lines.add(
                  err == null
                      ? "{\"done\":true,\"degraded\":" + res.degraded() + "}"
                      : GSON.toJson(Map.of("error", String.valueOf(err.getMessage())))));
      ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      while (true) {
        String line = lines.take();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (!line.startsWith("{\"i\"")) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Where the front end reaches this process: any free loopback port by default (the launcher that
   * started it reads the port from the READY line), or {@code eep_host:eep_rank_http_port} for a
   * front end elsewhere.
   */
  private static InetSocketAddress address(EepConfig config) {
    int port = config.getInt(ServerKeys.RANK_HTTP_PORT);
    return port == 0
        ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
        : new InetSocketAddress(config.getString(EepKeys.HOST), port);
  }

  /**
   * {@code GET /coverage}: {@code {"uncovered": [experts]}} without an active replica now; {@code
   * GET /coverage?without=R}: {@code {"missing": [experts]}} if rank R left now.
   */
  private void coverage(HttpExchange ex) throws IOException {
    try (ex) {
      String q = ex.getRequestURI().getQuery();
      RankRuntime r = current;
      if (q == null) {
        reply(ex, 200, Map.of("uncovered", r == null ? new int[0] : r.uncoveredExperts()));
        return;
      }
      int without;
      try {
        without = Integer.parseInt(q.replaceFirst("^without=", ""));
      } catch (NumberFormatException e) {
        reply(ex, 400, Map.of("error", "expected ?without=RANK, got " + q));
        return;
      }
      reply(ex, 200, Map.of("missing", r == null ? List.of() : r.missingWithout(without)));
    }
  }

  /**
   * {@code POST /leave}: the incarnation leaves its slot on purpose (LEFT) and the process exits;
   * answered at once.
   */
  private void leave(HttpExchange ex) throws IOException {
    try (ex) {
      RankRuntime r = current;
      if (r == null) {
        reply(ex, 409, Map.of("error", "rank has not started yet"));
        return;
      }
      synchronized (this) {
        if (leaving == null) {
          CompletableFuture<Void> left = new CompletableFuture<>();
          Thread closer =
              new Thread(
                  () -> {
                    r.close();
                    left.complete(null);
                  },
                  "eep-rank-leave");
          closer.setDaemon(true);
          leaving = left;
          closer.start();
        }
      }
      reply(ex, 202, Map.of("leaving", r.owner().toString()));
    }
  }

  /**
   * {@code POST /assume?rank=R}: a spare takes slot R (it joins as that slot's next incarnation);
   * 409 if this process is not a waiting spare.
   */
  private void assume(HttpExchange ex) throws IOException {
    try (ex) {
      String q = String.valueOf(ex.getRequestURI().getQuery());
      int rank;
      try {
        rank = Integer.parseInt(q.replaceFirst("^rank=", ""));
      } catch (NumberFormatException e) {
        reply(ex, 400, Map.of("error", "expected ?rank=R, got " + q));
        return;
      }
      if (assumed == null || !assumed.complete(rank)) {
        reply(ex, 409, Map.of("error", "this process is not a waiting spare"));
        return;
      }
      reply(ex, 202, Map.of("assumed", rank));
    }
  }

  /** {@code POST /rebalance}: asks for a live rebalance at the next agreed step. */
  private void rebalance(HttpExchange ex) throws IOException {
    try (ex) {
      RankRuntime r = current;
      if (!"POST".equals(ex.getRequestMethod())) {
        reply(ex, 405, Map.of("error", "use POST"));
      } else if (r == null || !r.serving()) {
        reply(ex, 409, Map.of("error", "rank is not serving"));
      } else {
        r.requestRebalance();
        reply(ex, 202, Map.of("requested", r.owner().toString()));
      }
    }
  }

  private static void reply(HttpExchange ex, int code, Object body) throws IOException {
    byte[] b = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, b.length);
    ex.getResponseBody().write(b);
  }

  private void status(HttpExchange ex) throws IOException {
    try (ex) {
      RankRuntime r = current;
      JsonObject s = r == null ? new JsonObject() : RankStatus.of(r);
      s.addProperty("pid", ProcessHandle.current().pid());
      byte[] b = RankStatus.toJson(s).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
    }
  }
}
