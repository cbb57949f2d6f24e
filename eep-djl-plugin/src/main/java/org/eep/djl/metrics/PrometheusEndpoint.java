package org.eep.djl.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.djl.instance.EpCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Prometheus scrape endpoint: {@code GET http://127.0.0.1:<port>/metrics} answers the registry in
 * the Prometheus text format (0.0.4). It is served by the JDK's {@link HttpServer} on one daemon
 * thread and bound to the loopback address only, never to {@code eep_host}: put a scraper (or an
 * authenticating proxy) on the same host. The endpoint has no authentication of its own.
 *
 * <p>Start it with {@link #startIfEnabled(EepConfig, EpCluster)}, which honours {@code
 * eep_metrics_port} ({@code -1} = off, {@code 0} = any free port) and binds {@link RankMetrics}
 * plus JVM memory, thread and processor meters to a new registry; or serve a registry of your own
 * with {@link #start(PrometheusMeterRegistry, int)}. Close it before the cluster. Thread-safe.
 */
public final class PrometheusEndpoint implements AutoCloseable {
  /** The path the registry is served at; any other path answers 404. */
  public static final String PATH = "/metrics";

  /** Content type of the Prometheus text format the registry writes. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpoint.class);

  private final PrometheusMeterRegistry registry;
  private final boolean ownsRegistry;
  private final HttpServer server;
  private final ExecutorService executor;

  private PrometheusEndpoint(
      PrometheusMeterRegistry registry,
      boolean ownsRegistry,
      HttpServer server,
      ExecutorService executor) {
    this.registry = registry;
    this.ownsRegistry = ownsRegistry;
    this.server = server;
    this.executor = executor;
  }

  /**
   * The endpoint of an instance's meters ({@link RankMetrics} for ranks in this JVM, {@link
   * InstanceMetrics} otherwise) on {@code eep_metrics_port}, or empty if that is {@code -1}. Its
   * registry is new and owned by the endpoint (closed with it).
   *
   * @throws IllegalStateException if the port cannot be bound (e.g. in use)
   */
  public static Optional<PrometheusEndpoint> startIfEnabled(
      EepConfig config, MeterBinder instance) {
    requireNonNull(config, "config is null");
    requireNonNull(instance, "instance is null");
    int port = config.getInt(EepKeys.METRICS_PORT);
    if (port < 0) {
      return Optional.empty();
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      instance.bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      return Optional.of(start(registry, port, true));
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
  }

  /**
   * Serves {@code registry} at {@code http://127.0.0.1:<port>/metrics}; {@code port} 0 picks a free
   * port (see {@link #port()}). The caller keeps ownership of the registry.
   *
   * @throws IllegalStateException if the port cannot be bound (e.g. in use)
   */
  public static PrometheusEndpoint start(PrometheusMeterRegistry registry, int port) {
    return start(registry, port, false);
  }

  private static PrometheusEndpoint start(
      PrometheusMeterRegistry registry, int port, boolean owns) {
    requireNonNull(registry, "registry is null");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port outside [0, 65535]: " + port);
    }
    InetSocketAddress address = new InetSocketAddress(loopback(), port);
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot serve metrics on "
              + address.getHostString()
              + ":"
              + port
              + " ("
              + EepKeys.METRICS_PORT.name()
              + "): "
              + e.getMessage(),
          e);
    }
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "eep-metrics-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(registry, exchange));
    server.start();
    PrometheusEndpoint endpoint = new PrometheusEndpoint(registry, owns, server, executor);
    LOG.info("Prometheus metrics at {}", endpoint.uri());
    return endpoint;
  }

  private static void handle(PrometheusMeterRegistry registry, HttpExchange exchange)
      throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!PATH.equals(exchange.getRequestURI().getPath())) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if ("HEAD".equals(method)) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (RuntimeException e) {
      LOG.warn("Serving metrics failed", e);
      throw e;
    }
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Where to scrape: {@code http://127.0.0.1:<port>/metrics}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port() + PATH);
  }

  /** The registry served. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Stops serving (at once), and closes the registry if the endpoint created it. Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    if (ownsRegistry) {
      registry.close();
    }
  }

  @Override
  public String toString() {
    return "PrometheusEndpoint[" + uri() + "]";
  }
}
