package org.eep.djl.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint alone, with a registry of its own: loopback, paths, methods, a port in use. */
class PrometheusEndpointTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void servesTheRegistryOnLoopbackAtAFreePort() throws Exception {
    try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, 0)) {
      registry.counter("eep.test.things").increment(3);
      assertThat(endpoint.port()).isPositive();
      assertThat(endpoint.uri())
          .isEqualTo(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(endpoint.uri()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue(PrometheusEndpoint.CONTENT_TYPE);
      assertThat(r.body()).contains("eep_test_things_total 3.0");
    }
  }

  @Test
  void answersOnlyGetAndHeadOnTheMetricsPath() throws Exception {
    try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, 0)) {
      URI base = URI.create("http://127.0.0.1:" + endpoint.port());
      assertThat(status(HttpRequest.newBuilder(base.resolve("/")).build())).isEqualTo(404);
      assertThat(status(HttpRequest.newBuilder(base.resolve("/metrics/x")).build())).isEqualTo(404);
      assertThat(
              status(
                  HttpRequest.newBuilder(endpoint.uri())
                      .POST(HttpRequest.BodyPublishers.ofString("x"))
                      .build()))
          .isEqualTo(405);
      assertThat(
              status(
                  HttpRequest.newBuilder(endpoint.uri())
                      .method("HEAD", HttpRequest.BodyPublishers.noBody())
                      .build()))
          .isEqualTo(200);
    }
  }

  @Test
  void aPortInUseFailsNamingTheKey() throws Exception {
    try (PrometheusEndpoint first = PrometheusEndpoint.start(registry, 0)) {
      assertThatThrownBy(() -> PrometheusEndpoint.start(registry, first.port()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("eep_metrics_port");
    }
  }

  private int status(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
