package org.eep.djl.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.inject.util.Modules;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.SlotState;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.eep.djl.rank.StepHooks;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4-rank tiny instance (local transport and membership) with its Prometheus endpoint on a free
 * loopback port: a rank is killed in the middle of a step, and what an operator scrapes over HTTP
 * shows the recovery.
 *
 * <p>The kill is deterministic, not timed: a step hook kills rank 1 on its own thread after it sent
 * half of one dispatch, so every survivor is inside a step that needs rank 1's combine and must
 * abort it. The requests (12 new tokens each, killed after the first token) can only finish in the
 * next epoch, after the survivors applied it and repaired lost experts, so scraping after they
 * finish sees all of it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RankMetricsTest {
  @TempDir static Path tiny;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void generateTheTinyCheckpoint() throws IOException {
    CheckpointGenerator.generate(Preset.TINY.config(), 42, tiny, s -> {});
  }

  @Test
  void theEndpointIsOffUnlessAPortIsConfigured() throws Exception {
    EepConfig config = config(2, Map.of());
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster cluster = start(config, manager, StepHooks.NONE)) {
      assertThat(PrometheusEndpoint.startIfEnabled(config, new RankMetrics(cluster))).isEmpty();
    }
  }

  @Test
  void aKilledRankShowsInTheScrapedCounters() throws Exception {
    KillInDispatch hook = new KillInDispatch(1);
    EepConfig config = config(4, Map.of("eep_metrics_port", 0));
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster cluster = start(config, manager, hook);
        PrometheusEndpoint endpoint =
            PrometheusEndpoint.startIfEnabled(config, new RankMetrics(cluster)).orElseThrow()) {
      hook.cluster.set(cluster);
      Scrape before = scrape(endpoint);
      assertThat(before.value("eep_instance_active_ranks")).isEqualTo(4);
      assertThat(before.sum("eep_rank_repair_bytes_total")).isZero();

      CountDownLatch firstToken = new CountDownLatch(1);
      List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(
            cluster.submit(
                new GenerationRequest("m-" + i, new int[] {1 + i, 2 * i + 3, 7, 11}, 12),
                (id, index, token, owner) -> firstToken.countDown()));
      }
      assertThat(firstToken.await(2, TimeUnit.MINUTES)).as("a first token").isTrue();
      hook.armed.set(true);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 1 killed").isTrue();
      for (CompletableFuture<GenerationResult> r : results) {
        assertThat(r.get(2, TimeUnit.MINUTES).tokens()).hasSize(12);
      }
      assertThat(cluster.view().slot(1).state()).isEqualTo(SlotState.FAILED);

      Scrape after = scrape(endpoint);
      assertThat(after.value("eep_instance_active_ranks")).isEqualTo(3);
      assertThat(after.value("eep_instance_epoch"))
          .isGreaterThan(before.value("eep_instance_epoch"));
      for (int r : new int[] {0, 2, 3}) {
        String rank = "rank=\"" + r + "\"";
        assertThat(after.value("eep_rank_epoch", rank))
            .as("rank %d epoch", r)
            .isGreaterThan(before.value("eep_rank_epoch", rank));
        assertThat(after.value("eep_rank_active_ranks", rank)).isEqualTo(3);
        assertThat(after.value("eep_rank_serving", rank)).isEqualTo(1);
        assertThat(after.value("eep_rank_steps_aborted_total", rank))
            .as("rank %d aborted the step rank 1 died in", r)
            .isPositive();
        assertThat(after.value("eep_rank_rebuilds_total", rank)).isZero();
      }
      assertThat(after.value("eep_rank_serving", "rank=\"1\"")).isZero();
      assertThat(
              after.sum("eep_rank_steps_aborted_total")
                  + after.sum("eep_rank_fenced_messages_total"))
          .isPositive();
      assertThat(after.sum("eep_rank_repairs_total"))
          .as("experts re-loaded after the failure")
          .isPositive();
      assertThat(after.sum("eep_rank_repair_bytes_total")).isPositive();
      assertThat(after.sum("eep_rank_repair_time_seconds_total")).isPositive();
      assertThat(after.sum("eep_rank_tokens_emitted_total")).isGreaterThanOrEqualTo(16 * 12);
      assertThat(after.sum("eep_rank_steps_completed_total"))
          .isGreaterThan(before.sum("eep_rank_steps_completed_total"));
      assertThat(after.value("eep_instance_requests_requeued_total")).isPositive();
      assertThat(after.values("eep_transport_dropped_total"))
          .as("one series per rank and reason")
          .hasSize(4 * 5);
      assertThat(after.sum("eep_transport_dropped_total", "reason=\"unauthenticated\"")).isZero();
      assertThat(after.values("eep_instance_queue_depth")).hasSize(1);
      assertThat(after.text).contains("jvm_memory_used_bytes");
    }
  }

  private static EepConfig config(int ranks, Map<String, Object> extra) {
    Map<String, Object> options =
        new HashMap<>(
            Map.of(
                "eep_instance",
                "metrics-" + INSTANCES.incrementAndGet(),
                "eep_max_ranks",
                ranks,
                "eep_transport",
                "local",
                "eep_membership",
                "local",
                "eep_tier_bandwidth",
                "peer=4,host=2,disk=0.5",
                "eep_heartbeat_ms",
                100,
                "eep_heartbeat_misses",
                10,
                "eep_step_timeout_ms",
                1000));
    options.putAll(extra);
    return EepConfig.of(options);
  }

  private static EpCluster start(EepConfig config, NDManager manager, StepHooks hooks)
      throws InterruptedException {
    return EpCluster.start(
        Modules.override(new EepModule(config, tiny, manager))
            .with(b -> b.bind(StepHooks.class).toInstance(hooks)));
  }

  private Scrape scrape(PrometheusEndpoint endpoint) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(endpoint.uri()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new Scrape(r.body());
  }

  /** Kills one rank, once, on its own thread, after it sent half of a dispatch — once armed. */
  private static final class KillInDispatch implements StepHooks {
    final AtomicReference<EpCluster> cluster = new AtomicReference<>();
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch fired = new CountDownLatch(1);
    private final int victim;

    KillInDispatch(int victim) {
      this.victim = victim;
    }

    @Override
    public void at(Point point, int rank, long step, int layer) {
      if (rank == victim && point == Point.MID_DISPATCH && armed.compareAndSet(true, false)) {
        cluster.get().kill(rank);
        fired.countDown();
      }
    }
  }

  /** One scrape in the Prometheus text format: samples by name and label text. */
  private static final class Scrape {
    private static final Pattern SAMPLE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)$");
    final String text;
    private final List<String[]> samples = new ArrayList<>();

    Scrape(String text) {
      this.text = text;
      for (String line : text.split("\n")) {
        Matcher m = SAMPLE.matcher(line);
        if (!line.startsWith("#") && m.matches()) {
          samples.add(new String[] {m.group(1), m.group(3) == null ? "" : m.group(3), m.group(4)});
        }
      }
    }

    /** Values of the series named {@code name} whose labels contain every one of {@code labels}. */
    List<Double> values(String name, String... labels) {
      List<Double> out = new ArrayList<>();
      for (String[] s : samples) {
        if (s[0].equals(name) && List.of(s[1].split(",")).containsAll(List.of(labels))) {
          out.add(Double.parseDouble(s[2]));
        }
      }
      return out;
    }

    double value(String name, String... labels) {
      List<Double> v = values(name, labels);
      assertThat(v).as("exactly one %s%s in\n%s", name, List.of(labels), text).hasSize(1);
      return v.get(0);
    }

    double sum(String name, String... labels) {
      List<Double> v = values(name, labels);
      assertThat(v).as("some %s%s in\n%s", name, List.of(labels), text).isNotEmpty();
      return v.stream().mapToDouble(Double::doubleValue).sum();
    }
  }
}
