package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eep.djl.request.GenerationRequest;
import org.eep.server.launcher.UcxProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The plugin inside a real DJL Serving 0.36.0, set up the way docs/djl-serving.md tells users:
 * ranks in the serving process, and rank processes the engine starts and supervises, through a kill
 * -9.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DjlServingIT {
  private static final Gson GSON = new Gson();
  private final HttpClient http = HttpClient.newHttpClient();

  private static List<String> properties(String instance, String... options) {
    List<String> p = new ArrayList<>();
    p.add("engine=EEP");
    p.add("translatorFactory=org.eep.djl.engine.EepTranslatorFactory");
    p.add("load_on_devices=cpu");
    p.add("option.eep_instance=" + instance + "-" + ProcessHandle.current().pid());
    p.add("option.eep_tier_bandwidth=peer=4,host=2,disk=0.5");
    for (String o : options) {
      p.add("option." + o);
    }
    return p;
  }

  private HttpResponse<String> post(DjlServing s, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(s.uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String body(int[] prompt, int n, boolean stream) {
    return "{\"inputs\": "
        + Arrays.toString(prompt)
        + ", \"parameters\": {\"max_new_tokens\": "
        + n
        + "}"
        + (stream ? ", \"stream\": true" : "")
        + "}";
  }

  private static int[] expected(int[] prompt, int n) {
    return Models.expected(new GenerationRequest("x", prompt, n));
  }

  private static int[] tokens(String json) {
    return GSON.fromJson(GSON.fromJson(json, JsonObject.class).get("token_ids"), int[].class);
  }

  /** A streamed prediction's token lines, in order; counts {@code first} down on the first. */
  private CompletableFuture<int[]> stream(DjlServing s, int[] prompt, int n, CountDownLatch first) {
    return http.sendAsync(
            HttpRequest.newBuilder(s.uri("/predictions/tiny"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(prompt, n, true)))
                .build(),
            HttpResponse.BodyHandlers.ofLines())
        .thenApply(
            r -> {
              assertThat(r.statusCode()).isEqualTo(200);
              List<Integer> ids = new ArrayList<>();
              String[] last = {null};
              try (Stream<String> lines = r.body()) {
                lines
                    .filter(l -> !l.isBlank())
                    .forEach(
                        l -> {
                          JsonObject o = GSON.fromJson(l, JsonObject.class);
                          if (o.has("token_id")) {
                            assertThat(o.get("index").getAsInt()).isEqualTo(ids.size());
                            ids.add(o.get("token_id").getAsInt());
                            first.countDown();
                          } else {
                            last[0] = l;
                          }
                        });
              }
              int[] streamed = ids.stream().mapToInt(Integer::intValue).toArray();
              assertThat(last[0]).as("the last line is the whole response").isNotNull();
              assertThat(tokens(last[0])).isEqualTo(streamed);
              return streamed;
            });
  }

  @Test
  void ranksInTheServingProcessAnswerTheReferenceTokensStreamAndRefuseBadBodies() throws Exception {
    try (DjlServing s =
        DjlServing.start(
            Map.of(
                "tiny",
                properties(
                    "djl-in-process",
                    "eep_max_ranks=2",
                    "eep_transport=local",
                    "eep_membership=local")))) {
      assertThat(s.alive()).as(s.output()).isTrue();
      HttpResponse<String> ping =
          http.send(
              HttpRequest.newBuilder(s.uri("/ping")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ping.statusCode()).isEqualTo(200);
      HttpResponse<String> models =
          http.send(
              HttpRequest.newBuilder(s.uri("/models")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(models.body()).contains("\"tiny\"");

      int[] prompt = {11, 22, 33, 44};
      HttpResponse<String> pred = post(s, "/predictions/tiny", body(prompt, 6, false));
      assertThat(pred.statusCode()).as(pred.body()).isEqualTo(200);
      assertThat(tokens(pred.body())).isEqualTo(expected(prompt, 6));
      HttpResponse<String> inv = post(s, "/invocations?model_name=tiny", body(prompt, 6, false));
      assertThat(inv.statusCode()).as(inv.body()).isEqualTo(200);
      assertThat(tokens(inv.body())).isEqualTo(expected(prompt, 6));

      HttpResponse<Stream<String>> chunked =
          http.send(
              HttpRequest.newBuilder(s.uri("/predictions/tiny"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body(prompt, 8, true)))
                  .build(),
              HttpResponse.BodyHandlers.ofLines());
      assertThat(chunked.headers().firstValue("transfer-encoding")).hasValue("chunked");
      chunked.body().close();
      assertThat(stream(s, prompt, 8, new CountDownLatch(1)).get()).isEqualTo(expected(prompt, 8));

      Map<String, String> bad =
          Map.of(
              "not json", "not JSON",
              "{\"inputs\": [1, 2]}", "max_new_tokens",
              "{\"inputs\": [1], \"parameters\": {\"max_new_tokens\": 2}, \"bogus\": 1}",
                  "unknown field bogus",
              "{\"inputs\": [1, 99999], \"parameters\": {\"max_new_tokens\": 2}}",
                  "outside the vocabulary");
      for (Map.Entry<String, String> b : bad.entrySet()) {
        HttpResponse<String> r = post(s, "/predictions/tiny", b.getKey());
        assertThat(r.statusCode()).as(b.getKey()).isEqualTo(400);
        assertThat(r.body()).as(b.getKey()).contains(b.getValue());
      }
    }
  }

  @Test
  void aMisspelledKeyFailsTheModelsLoadWithTheNearestKey() throws Exception {
    try (DjlServing s =
        DjlServing.start(
            Map.of("bad", properties("djl-bad", "eep_max_rank=2", "eep_transport=local")))) {
      assertThat(s.awaitLine(l -> l.contains("did you mean 'eep_max_ranks'")))
          .as(s.output())
          .contains("eep_max_rank");
      assertThat(s.awaitExit()).as("a model that fails to load stops DJL Serving").isNotZero();
    }
  }

  @Test
  void rankProcessesTheEngineSupervisesSurviveAKillNineUnderLoad() throws Exception {
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    try (DjlServing s =
        DjlServing.start(
            Map.of(
                "tiny",
                properties(
                    "djl-processes",
                    "eep_ranks=processes",
                    "eep_max_ranks=4",
                    "eep_transport=" + transport,
                    "eep_membership=zookeeper",
                    "eep_restart_ranks=true",
                    "eep_heartbeat_ms=200",
                    "eep_heartbeat_misses=10",
                    "eep_rank_classpath=" + DjlServing.RANK_LIB + "/*")))) {
      assertThat(s.alive()).as(s.output()).isTrue();
      assertThat(s.children("eep_rank=")).as("rank processes of the engine").hasSize(4);
      List<int[]> prompts = new ArrayList<>();
      List<CompletableFuture<int[]>> streams = new ArrayList<>();
      CountDownLatch started = new CountDownLatch(16);
      for (int i = 0; i < 16; i++) {
        int[] p = {(9 * i + 4) % 512, (5 * i + 1) % 512, 7};
        prompts.add(p);
        streams.add(stream(s, p, 60, started));
      }
      assertThat(started.await(3, TimeUnit.MINUTES)).isTrue();
      List<ProcessHandle> rank1 = s.children("eep_rank=1");
      assertThat(rank1).hasSize(1);
      rank1.get(0).destroyForcibly();
      for (int i = 0; i < streams.size(); i++) {
        assertThat(streams.get(i).get(5, TimeUnit.MINUTES))
            .as("stream %d through the kill", i)
            .isEqualTo(expected(prompts.get(i), 60));
      }
      assertThat(s.alive()).as("the server outlives its rank").isTrue();
      assertThat(s.awaitLine(l -> l.contains("EEP-RANK-READY rank=1 incarnation=2")))
          .as("the engine started rank 1 again and it rejoined")
          .isNotNull();
      int[] after = {1, 2, 3};
      HttpResponse<String> pred = post(s, "/predictions/tiny", body(after, 5, false));
      assertThat(tokens(pred.body())).isEqualTo(expected(after, 5));
    }
  }
}
