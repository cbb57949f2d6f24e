package org.eep.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eep.server.text.TextCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inference API of {@code eep serve} on an in-process instance: reference tokens, clear 400s.
 */
class FrontEndTest {
  private static final Gson GSON = new Gson();
  private static Served served;

  @BeforeAll
  static void start() throws Exception {
    served = new Served(Map.of());
  }

  @AfterAll
  static void stop() {
    served.close();
  }

  private static int[] ids(JsonObject completion) {
    return GSON.fromJson(
        completion.getAsJsonArray("choices").get(0).getAsJsonObject().get("token_ids"),
        int[].class);
  }

  @Test
  void completionsOfTokenIdsGiveTheReferenceTokensAndUsage() throws Exception {
    Served.Reply r =
        served.post("/v1/completions", "{\"prompt\": [5, 17, 300], \"max_tokens\": 7}");
    assertThat(r.status()).isEqualTo(200);
    JsonObject o = r.json();
    assertThat(ids(o)).isEqualTo(Served.expected(new int[] {5, 17, 300}, 7));
    assertThat(o.get("model").getAsString()).isEqualTo("tiny");
    JsonObject usage = o.getAsJsonObject("usage");
    assertThat(usage.get("prompt_tokens").getAsInt()).isEqualTo(3);
    assertThat(usage.get("completion_tokens").getAsInt()).isEqualTo(7);
    assertThat(usage.get("total_tokens").getAsInt()).isEqualTo(10);
    assertThat(
            o.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString())
        .isEqualTo("length");
  }

  @Test
  void aTextPromptIsEncodedWithTheModelsTokenizerAndAnsweredAsText() throws Exception {
    String prompt = "Hello world the Experts are parallel";
    int[] promptIds;
    String text;
    try (TextCodec codec = TextCodec.load(Served.tiny(), 512).orElseThrow()) {
      promptIds = codec.encode(prompt);
      int[] expected = Served.expected(promptIds, 6);
      text = codec.decode(expected);
    }
    assertThat(promptIds).doesNotContain(0).as("words of the generated vocabulary");
    Served.Reply r =
        served.post("/v1/completions", GSON.toJson(Map.of("prompt", prompt, "max_tokens", 6)));
    assertThat(r.status()).isEqualTo(200);
    JsonObject choice = r.json().getAsJsonArray("choices").get(0).getAsJsonObject();
    assertThat(ids(r.json())).isEqualTo(Served.expected(promptIds, 6));
    assertThat(choice.get("text").getAsString()).isEqualTo(text).isNotBlank();
  }

  @Test
  void aStreamedCompletionSendsEveryTokenOnceInOrderThenUsageThenDone() throws Exception {
    List<String> events =
        served.stream("{\"prompt\": [9, 8, 7, 6], \"max_tokens\": 12, \"stream\": true}");
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    assertThat(events).hasSize(12 + 2);
    assertThat(Served.streamedTokens(events))
        .isEqualTo(Served.expected(new int[] {9, 8, 7, 6}, 12));
    JsonObject last = GSON.fromJson(events.get(events.size() - 2), JsonObject.class);
    assertThat(last.getAsJsonObject("usage").get("completion_tokens").getAsInt()).isEqualTo(12);
  }

  @Test
  void aStreamedTextCompletionAddsUpToTheWholeText() throws Exception {
    List<String> events =
        served.stream("{\"prompt\": \"the model\", \"max_tokens\": 5, \"stream\": true}");
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      text.append(
          GSON.fromJson(e, JsonObject.class)
              .getAsJsonArray("choices")
              .get(0)
              .getAsJsonObject()
              .get("text")
              .getAsString());
    }
    try (TextCodec codec = TextCodec.load(Served.tiny(), 512).orElseThrow()) {
      assertThat(text.toString())
          .isEqualTo(codec.decode(Served.expected(codec.encode("the model"), 5)));
    }
  }

  @Test
  void predictionsAndInvocationsAnswerAsDjlServingDoes() throws Exception {
    String body = "{\"inputs\": [1, 2, 3], \"parameters\": {\"max_new_tokens\": 5}}";
    for (String path : List.of("/predictions/tiny", "/invocations")) {
      Served.Reply r = served.post(path, body);
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(GSON.fromJson(r.json().get("token_ids"), int[].class))
          .isEqualTo(Served.expected(new int[] {1, 2, 3}, 5));
      assertThat(r.json().get("degraded").getAsBoolean()).isFalse();
    }
    Served.Reply other = served.post("/predictions/other", body);
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.error()).contains("'other'").contains("'tiny'");
  }

  @Test
  void badInputsAreFourHundredsNamingTheProblemAndLeaveRequestsInFlightAlone() throws Exception {
    CompletableFuture<List<String>> inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return served.stream(
                    "{\"prompt\": [42, 43], \"max_tokens\": 60, \"stream\": true}");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Map<String, String> cases =
        Map.ofEntries(
            Map.entry("{\"prompt\": [1, 2", "not JSON"),
            Map.entry("[1, 2]", "must be a JSON object"),
            Map.entry(
                "{\"prompt\": [1], \"max_tokens\": 3, \"temprature\": 0}",
                "unknown field temprature"),
            Map.entry("{\"prompt\": [1, 512]}", "outside the vocabulary [0, 512)"),
            Map.entry("{\"prompt\": [1, -1]}", "outside the vocabulary"),
            Map.entry("{\"prompt\": []}", "prompt is empty"),
            Map.entry("{\"prompt\": \"\"}", "prompt is empty"),
            Map.entry(
                "{\"prompt\": [1], \"max_tokens\": 0}", "max_tokens is 0; must be in [1, 512]"),
            Map.entry("{\"prompt\": [1], \"max_tokens\": 1000000000}", "max_tokens is 1000000000"),
            Map.entry("{\"prompt\": [1.5]}", "prompt[0] must be an integer"),
            Map.entry("{\"max_tokens\": 3}", "prompt is required"),
            Map.entry("{\"prompt\": [1], \"temperature\": 0.7}", "decodes greedily"),
            Map.entry("{\"prompt\": [1], \"stream\": \"yes\"}", "stream must be true or false"),
            Map.entry("{\"prompt\": [[1], [2]]}", "one prompt"));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Served.Reply r = served.post("/v1/completions", c.getKey());
      assertThat(r.status()).as(c.getKey()).isEqualTo(400);
      assertThat(r.error()).as(c.getKey()).contains(c.getValue());
    }
    Served.Reply pred =
        served.post(
            "/predictions/tiny",
            "{\"inputs\": [1], \"parameters\": {\"max_new_tokens\": 2, \"top_k\": 5}}");
    assertThat(pred.status()).isEqualTo(400);
    assertThat(pred.error()).contains("unknown field parameters.top_k");
    Served.Reply method = served.get("/v1/completions");
    assertThat(method.status()).isEqualTo(405);
    assertThat(Served.streamedTokens(inFlight.get()))
        .isEqualTo(Served.expected(new int[] {42, 43}, 60));
  }

  @Test
  void textWithoutATokenizerIsRefusedWithTheFix() throws Exception {
    try (Served noTokenizer = Served.withoutTokenizer()) {
      Served.Reply r = noTokenizer.post("/v1/completions", "{\"prompt\": \"hello\"}");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.error()).contains("no tokenizer.json").contains("token ids");
    }
  }

  @Test
  void metricsCountRequestsByEndpointAndStatusBesideTheInstancesMeters() throws Exception {
    served.post("/v1/completions", "{\"prompt\": [1], \"max_tokens\": 0}");
    Served.Reply m = served.get("/metrics");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.body())
        .contains("eep_http_requests_total{endpoint=\"/v1/completions\",status=\"400\"}")
        .contains("eep_instance_epoch")
        .contains("eep_rank_tokens_emitted_total");
    assertThat(served.get("/ping").json().get("status").getAsString()).isEqualTo("Healthy");
    Served.Reply none = served.get("/nothing/here");
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.error()).contains("/v1/completions");
  }
}
