package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.SlotState;
import org.eep.djl.request.GenerationRequest;
import org.eep.server.EepServer;
import org.eep.server.launcher.UcxProbe;
import org.eep.server.text.TextCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code eep serve} on four rank processes: the inference API gives the reference tokens (ids and
 * text, streamed and not, DJL Serving's {@code /predictions}); a {@code kill -9} of a rank during
 * twenty streamed requests loses and repeats nothing; a drain under load ends with the slot LEFT
 * and loses nothing; a rejoin brings it back; the status follows each step.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ServeIT {
  private static final Gson GSON = new Gson();
  private final HttpClient http = HttpClient.newHttpClient();

  private static EepServer start() throws Exception {
    EepConfig config =
        EepConfig.of(
            Map.of(
                "eep_instance",
                "serve-it-" + ProcessHandle.current().pid(),
                "eep_max_ranks",
                4,
                "eep_transport",
                UcxProbe.available() ? "ucx" : "tcp",
                "eep_membership",
                "zookeeper",
                "eep_tier_bandwidth",
                "peer=4,host=2,disk=0.5",
                "eep_heartbeat_ms",
                200,
                "eep_heartbeat_misses",
                10));
    return EepServer.start(
        config,
        new EepServer.Options(Models.tiny(), "tiny", "127.0.0.1", 0, Duration.ofSeconds(10)),
        System.out::println);
  }

  private HttpResponse<String> post(EepServer s, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(s.uri().resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject status(EepServer s) throws Exception {
    return GSON.fromJson(
        http.send(
                HttpRequest.newBuilder(s.uri().resolve("/v1/eep/status")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .body(),
        JsonObject.class);
  }

  private static JsonObject slot(JsonObject status, int r) {
    return status.getAsJsonArray("slots").get(r).getAsJsonObject();
  }

  /** A streamed completion's token ids, in the order the events came; counts down on the first. */
  private CompletableFuture<int[]> stream(
      EepServer s, int[] prompt, int n, CountDownLatch firstToken) {
    String body =
        "{\"prompt\": "
            + Arrays.toString(prompt)
            + ", \"max_tokens\": "
            + n
            + ", \"stream\": true}";
    return http.sendAsync(
            HttpRequest.newBuilder(s.uri().resolve("/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofLines())
        .thenApply(
            r -> {
              List<Integer> ids = new ArrayList<>();
              boolean[] done = {false};
              try (Stream<String> lines = r.body()) {
                lines
                    .filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring(6))
                    .forEach(
                        d -> {
                          if (d.equals("[DONE]")) {
                            done[0] = true;
                            return;
                          }
                          JsonObject o = GSON.fromJson(d, JsonObject.class);
                          assertThat(o.has("error")).as(d).isFalse();
                          JsonArray t =
                              o.getAsJsonArray("choices")
                                  .get(0)
                                  .getAsJsonObject()
                                  .getAsJsonArray("token_ids");
                          t.forEach(e -> ids.add(e.getAsInt()));
                          if (ids.size() == 1 && t.size() == 1) {
                            firstToken.countDown();
                          }
                        });
              }
              assertThat(done[0]).as("the stream ended with [DONE]").isTrue();
              return ids.stream().mapToInt(Integer::intValue).toArray();
            });
  }

  private static int[] expected(int[] prompt, int n) {
    return Models.expected(new GenerationRequest("x", prompt, n));
  }

  @Test
  void servesTheReferenceTokensThroughKillDrainAndRejoin() throws Exception {
    try (EepServer s = start()) {
      // Ids and text, streamed and not, and DJL Serving's endpoint.
      HttpResponse<String> ids =
          post(s, "/v1/completions", "{\"prompt\": [3, 4, 5], \"max_tokens\": 6}");
      assertThat(ids.statusCode()).as(ids.body()).isEqualTo(200);
      JsonObject choice =
          GSON.fromJson(ids.body(), JsonObject.class)
              .getAsJsonArray("choices")
              .get(0)
              .getAsJsonObject();
      assertThat(GSON.fromJson(choice.get("token_ids"), int[].class))
          .isEqualTo(expected(new int[] {3, 4, 5}, 6));
      try (TextCodec codec = TextCodec.load(Models.tiny(), 512).orElseThrow()) {
        int[] prompt = codec.encode("hello expert world");
        HttpResponse<String> text =
            post(s, "/v1/completions", "{\"prompt\": \"hello expert world\", \"max_tokens\": 5}");
        JsonObject c =
            GSON.fromJson(text.body(), JsonObject.class)
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject();
        assertThat(c.get("text").getAsString()).isEqualTo(codec.decode(expected(prompt, 5)));
      }
      HttpResponse<String> pred =
          post(
              s,
              "/predictions/tiny",
              "{\"inputs\": [7, 8], \"parameters\": {\"max_new_tokens\": 5}}");
      assertThat(
              GSON.fromJson(
                  GSON.fromJson(pred.body(), JsonObject.class).get("token_ids"), int[].class))
          .isEqualTo(expected(new int[] {7, 8}, 5));
      CountDownLatch single = new CountDownLatch(1);
      assertThat(stream(s, new int[] {1, 2}, 8, single).get())
          .isEqualTo(expected(new int[] {1, 2}, 8));

      // kill -9 of rank 2 during twenty streams.
      List<int[]> prompts = new ArrayList<>();
      List<CompletableFuture<int[]>> streams = new ArrayList<>();
      CountDownLatch started = new CountDownLatch(20);
      for (int i = 0; i < 20; i++) {
        int[] p = {(5 * i + 1) % 512, (13 * i + 7) % 512, (31 * i + 2) % 512};
        prompts.add(p);
        streams.add(stream(s, p, 60, started));
      }
      assertThat(started.await(3, TimeUnit.MINUTES))
          .as("every stream has its first token")
          .isTrue();
      long pid = slot(status(s), 2).getAsJsonObject("rank_status").get("pid").getAsLong();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      assertThat(
              s.instance()
                  .awaitView(v -> v.slot(2).state() == SlotState.FAILED, Duration.ofMinutes(2)))
          .isNotNull();
      for (int i = 0; i < streams.size(); i++) {
        assertThat(streams.get(i).get(5, TimeUnit.MINUTES))
            .as("stream %d: every token once, in order, through the kill", i)
            .isEqualTo(expected(prompts.get(i), 60));
      }
      assertThat(slot(status(s), 2).get("state").getAsString()).isEqualTo("FAILED");

      HttpResponse<String> back = post(s, "/v1/eep/ranks/2/rejoin", "");
      assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
      assertThat(slot(status(s), 2).get("incarnation").getAsLong()).isEqualTo(2);

      // A drain of rank 1 under load.
      List<CompletableFuture<int[]>> load = new ArrayList<>();
      List<int[]> loadPrompts = new ArrayList<>();
      CountDownLatch loaded = new CountDownLatch(12);
      for (int i = 0; i < 12; i++) {
        int[] p = {(7 * i + 3) % 512, (17 * i + 1) % 512};
        loadPrompts.add(p);
        load.add(stream(s, p, 60, loaded));
      }
      assertThat(loaded.await(3, TimeUnit.MINUTES)).isTrue();
      HttpResponse<String> drained = post(s, "/v1/eep/ranks/1/drain", "");
      assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
      assertThat(GSON.fromJson(drained.body(), JsonObject.class).get("state").getAsString())
          .isEqualTo("LEFT");
      for (int i = 0; i < load.size(); i++) {
        assertThat(load.get(i).get(5, TimeUnit.MINUTES))
            .as("stream %d through the drain", i)
            .isEqualTo(expected(loadPrompts.get(i), 60));
      }
      JsonObject afterDrain = status(s);
      assertThat(slot(afterDrain, 1).get("state").getAsString()).isEqualTo("LEFT");
      assertThat(afterDrain.getAsJsonObject("coverage").get("full").getAsBoolean()).isTrue();

      HttpResponse<String> rejoined = post(s, "/v1/eep/ranks/1/rejoin", "");
      assertThat(rejoined.statusCode()).as(rejoined.body()).isEqualTo(200);
      JsonObject end = status(s);
      assertThat(slot(end, 1).get("state").getAsString()).isEqualTo("ACTIVE");
      assertThat(slot(end, 1).get("incarnation").getAsLong()).isEqualTo(2);
      CountDownLatch last = new CountDownLatch(1);
      assertThat(stream(s, new int[] {9, 9}, 10, last).get())
          .isEqualTo(expected(new int[] {9, 9}, 10));
    }
  }
}
