package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eep.server.instance.ServedInstance;
import org.eep.server.text.TextCodec;

/**
 * The HTTP front end of {@code eep serve}, one port for everything: inference ({@code POST
 * /predictions/{model}}, {@code POST /invocations} as DJL Serving answers them, {@code POST
 * /v1/completions} OpenAI-style with streaming, {@code GET /v1/models}), operations ({@code GET
 * /v1/eep/status}, {@code POST /v1/eep/ranks/{r}/drain}, {@code POST /v1/eep/ranks/{r}/rejoin}),
 * {@code GET /ping} and {@code GET /metrics} (Prometheus: the instance's meters and {@code
 * eep.http.requests} by endpoint and status). Every error is JSON {@code {"error": ...}}. On the
 * JDK's HTTP server; one thread per exchange in flight (a stream holds its thread). Thread-safe.
 */
public final class FrontEnd implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private boolean started;

  /** Exchanges being answered, and whether new ones are turned away (a stop is draining). */
  private final Object gate = new Object();

  private int inFlight;
  private boolean closing;

  private FrontEnd(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code address} (port 0: any free port) so a busy port fails before anything slow starts;
   * {@link #serve} starts answering.
   *
   * @throws IOException if the address cannot be bound (for example the port is in use)
   */
  public static FrontEnd bind(InetSocketAddress address) throws IOException {
    HttpServer server = HttpServer.create(requireNonNull(address, "address is null"), 128);
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "eep-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    return new FrontEnd(server, executor);
  }

  /** Starts answering for {@code instance}, served as model {@code modelName}; once. */
  public synchronized void serve(
      ServedInstance instance, String modelName, Optional<TextCodec> codec) {
    requireNonNull(instance, "instance is null");
    requireNonNull(modelName, "modelName is null");
    requireNonNull(codec, "codec is null");
    if (started) {
      throw new IllegalStateException("already serving");
    }
    started = true;
    instance.metrics().bindTo(registry);
    exact("/ping", new PingHandler());
    exact("/invocations", new PredictionsHandler(instance, modelName, "/invocations"));
    route("/predictions/", new PredictionsHandler(instance, modelName, "/predictions/"));
    exact("/v1/completions", new CompletionsHandler(instance, modelName, codec));
    exact("/v1/models", new ModelsHandler(modelName));
    exact("/v1/eep/status", new StatusHandler(instance, modelName));
    route(RankOpsHandler.PREFIX, new RankOpsHandler(instance));
    exact("/v1/eep/rebalance", new RebalanceHandler(instance));
    exact("/metrics", new MetricsHandler(registry));
    route("/", new NotFoundHandler());
    server.start();
  }

  /** Where it listens. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Its meter registry (what {@code /metrics} writes). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Stops accepting connections, waits up to {@code drain} for the exchanges in flight (streams
   * included) to finish, then stops.
   */
  public synchronized void close(Duration drain) {
    if (!started) {
      server.start(); // the JDK server stops only once started
    }
    long deadline = System.nanoTime() + drain.toNanos();
    synchronized (gate) {
      closing = true;
      try {
        while (inFlight > 0 && System.nanoTime() < deadline) {
          TimeUnit.NANOSECONDS.timedWait(gate, deadline - System.nanoTime());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // The JDK's stop waits its whole delay on JDK 17 even when idle: the gate above did the
    // waiting.
    server.stop(0);
    executor.shutdownNow();
    registry.close();
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }

  private void route(String path, HttpHandler handler) {
    HttpContext c = server.createContext(path, handler);
    c.getFilters().add(new Counting(path));
  }

  private void exact(String path, HttpHandler handler) {
    HttpContext c = server.createContext(path, handler);
    c.getFilters().add(new Counting(path));
    c.getFilters().add(new ExactPath(path));
  }

  /**
   * Counts each exchange by endpoint and status once it is answered, and keeps the count of
   * exchanges in flight a stop waits for (turning new ones away once it started).
   */
  private final class Counting extends Filter {
    private final String endpoint;

    Counting(String endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
      synchronized (gate) {
        if (closing) {
          JsonHandler.send(ex, 503, JsonHandler.error("the server is shutting down"));
          ex.close();
          return;
        }
        inFlight++;
      }
      try {
        chain.doFilter(ex);
      } finally {
        synchronized (gate) {
          inFlight--;
          gate.notifyAll();
        }
        Counter.builder("eep.http.requests")
            .description("HTTP requests answered, by endpoint and status")
            .tags("endpoint", endpoint, "status", Integer.toString(ex.getResponseCode()))
            .register(registry)
            .increment();
      }
    }

    @Override
    public String description() {
      return "counts requests to " + endpoint;
    }
  }

  /** Answers 404 for a path that only starts with the context's (the JDK matches prefixes). */
  private static final class ExactPath extends Filter {
    private final String path;

    ExactPath(String path) {
      this.path = path;
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
      if (ex.getRequestURI().getPath().equals(path)) {
        chain.doFilter(ex);
      } else {
        new NotFoundHandler().handle(ex);
      }
    }

    @Override
    public String description() {
      return "exactly " + path;
    }
  }

  private static final class PingHandler extends JsonHandler {
    PingHandler() {
      super("GET");
    }

    @Override
    void serve(HttpExchange ex) throws IOException {
      send(ex, 200, Map.of("status", "Healthy"));
    }
  }

  private static final class ModelsHandler extends JsonHandler {
    private final String modelName;

    ModelsHandler(String modelName) {
      super("GET");
      this.modelName = modelName;
    }

    @Override
    void serve(HttpExchange ex) throws IOException {
      send(
          ex,
          200,
          Map.of(
              "object",
              "list",
              "data",
              List.of(Map.of("id", modelName, "object", "model", "owned_by", "eep"))));
    }
  }

  /**
   * {@code POST /v1/eep/rebalance}: asks the ranks for a live rebalance (202; it happens at the
   * next step they agree on, and shows in the ranks' status); 409 when no rank serves.
   */
  private static final class RebalanceHandler extends JsonHandler {
    private final ServedInstance instance;

    RebalanceHandler(ServedInstance instance) {
      super("POST");
      this.instance = instance;
    }

    @Override
    void serve(HttpExchange ex) throws IOException {
      if (!instance.rebalance()) {
        throw HttpProblem.conflict("no rank serves; nothing to rebalance");
      }
      send(ex, 202, Map.of("requested", true));
    }
  }

  private static final class MetricsHandler extends JsonHandler {
    private final PrometheusMeterRegistry registry;

    MetricsHandler(PrometheusMeterRegistry registry) {
      super("GET");
      this.registry = registry;
    }

    @Override
    void serve(HttpExchange ex) throws IOException {
      byte[] b = registry.scrape().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
    }
  }

  private static final class NotFoundHandler extends JsonHandler {
    NotFoundHandler() {
      super("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS");
    }

    @Override
    void serve(HttpExchange ex) {
      throw HttpProblem.notFound(
          "no endpoint "
              + ex.getRequestURI().getPath()
              + "; endpoints: POST /predictions/{model}, POST /invocations, POST /v1/completions,"
              + " GET /v1/models, GET /v1/eep/status, POST /v1/eep/ranks/{r}/drain|rejoin, POST"
              + " /v1/eep/rebalance, GET /ping, GET /metrics");
    }
  }
}
