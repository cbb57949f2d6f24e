package org.eep.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The operations API on an in-process instance: status, drain under load, rejoin, their limits. */
class OperationsTest {

  private static JsonObject slot(JsonObject status, int rank) {
    JsonArray slots = status.getAsJsonArray("slots");
    return slots.get(rank).getAsJsonObject();
  }

  /** Returns once every stream is outstanding at the front end (or one already finished). */
  private static void awaitAdmitted(Served s, List<CompletableFuture<List<String>>> streams)
      throws Exception {
    while (s.get("/v1/eep/status").json().getAsJsonObject("requests").get("outstanding").getAsInt()
            < streams.size()
        && streams.stream().noneMatch(CompletableFuture::isDone)) {
      Thread.onSpinWait();
    }
  }

  private static CompletableFuture<List<String>> streamAsync(Served s, int[] prompt, int n) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return s.stream(
                "{\"prompt\": "
                    + Arrays.toString(prompt)
                    + ", \"max_tokens\": "
                    + n
                    + ", \"stream\": true}");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void aDrainUnderLoadLosesNothingEndsWithTheSlotLeftAndARejoinBringsItBack() throws Exception {
    try (Served s = new Served(Map.of())) {
      JsonObject before = s.get("/v1/eep/status").json();
      assertThat(slot(before, 1).get("state").getAsString()).isEqualTo("ACTIVE");
      assertThat(slot(before, 1).get("incarnation").getAsLong()).isEqualTo(1);
      assertThat(before.getAsJsonObject("coverage").get("full").getAsBoolean()).isTrue();
      List<int[]> prompts = new ArrayList<>();
      List<CompletableFuture<List<String>>> streams = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        int[] p = {3 * i + 1, 7 * i + 2, 11 * i + 3};
        prompts.add(p);
        streams.add(streamAsync(s, p, 250));
      }
      // Drain only once every stream is admitted (each rank then holds some of them).
      awaitAdmitted(s, streams);
      Served.Reply drained = s.post("/v1/eep/ranks/1/drain", "");
      assertThat(drained.status()).as(drained.body()).isEqualTo(200);
      assertThat(drained.json().get("state").getAsString()).isEqualTo("LEFT");
      assertThat(drained.json().get("changed").getAsBoolean()).isTrue();
      Served.Reply again = s.post("/v1/eep/ranks/1/drain", "");
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().get("changed").getAsBoolean()).as("idempotent").isFalse();
      for (int i = 0; i < streams.size(); i++) {
        List<String> events = streams.get(i).get();
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(Served.streamedTokens(events))
            .as("stream %d: every token once, in order", i)
            .isEqualTo(Served.expected(prompts.get(i), 250));
      }
      JsonObject during = s.get("/v1/eep/status").json();
      assertThat(slot(during, 1).get("state").getAsString()).isEqualTo("LEFT");
      assertThat(during.getAsJsonObject("coverage").get("full").getAsBoolean()).isTrue();
      assertThat(during.getAsJsonObject("requests").get("requeued").getAsInt())
          .as("the drained rank's requests moved to the others")
          .isPositive();

      Served.Reply rejoined = s.post("/v1/eep/ranks/1/rejoin", "");
      assertThat(rejoined.status()).as(rejoined.body()).isEqualTo(200);
      assertThat(rejoined.json().get("state").getAsString()).isEqualTo("ACTIVE");
      assertThat(rejoined.json().get("incarnation").getAsLong()).isEqualTo(2);
      Served.Reply twice = s.post("/v1/eep/ranks/1/rejoin", "");
      assertThat(twice.json().get("changed").getAsBoolean()).as("idempotent").isFalse();
      JsonObject after = s.get("/v1/eep/status").json();
      assertThat(slot(after, 1).get("state").getAsString()).isEqualTo("ACTIVE");
      assertThat(slot(after, 1).get("incarnation").getAsLong()).isEqualTo(2);
      Served.Reply served = s.post("/v1/completions", "{\"prompt\": [4, 5], \"max_tokens\": 6}");
      assertThat(served.status()).isEqualTo(200);
    }
  }

  @Test
  void drainingIsRefusedWithAReasonWhenItWouldLoseExpertsOrTheLastRank() throws Exception {
    try (Served s = new Served(Map.of())) {
      String refusal = null;
      for (int r = 1; r < 4 && refusal == null; r++) {
        Served.Reply d = s.post("/v1/eep/ranks/" + r + "/drain", "");
        if (d.status() == 409) {
          refusal = d.error();
        } else {
          assertThat(d.status()).as(d.body()).isEqualTo(200);
        }
      }
      assertThat(refusal)
          .as("some drain of ranks 1..3 out of 4 must be refused")
          .isNotNull()
          .containsAnyOf("without a replica", "last active rank");
      Served.Reply still = s.post("/v1/completions", "{\"prompt\": [8, 9], \"max_tokens\": 4}");
      assertThat(still.status()).isEqualTo(200);
      assertThat(Served.streamedTokens(List.of(still.body())))
          .isEqualTo(Served.expected(new int[] {8, 9}, 4));
      assertThat(s.post("/v1/eep/ranks/7/drain", "").status()).isEqualTo(404);
      assertThat(s.post("/v1/eep/ranks/x/drain", "").status()).isEqualTo(404);
      assertThat(s.get("/v1/eep/ranks/1/drain").status()).isEqualTo(405);
    }
  }

  @Test
  void aRebalanceOnDemandTakesOneSnapshotOnEveryRankAndChangesNoToken() throws Exception {
    try (Served s = new Served(Map.of())) {
      List<int[]> prompts = new ArrayList<>();
      List<CompletableFuture<List<String>>> streams = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int[] p = {5 * i + 1, 9 * i + 2, 13 * i + 3, 17 * i + 4};
        prompts.add(p);
        streams.add(streamAsync(s, p, 120));
      }
      awaitAdmitted(s, streams);
      Served.Reply asked = s.post("/v1/eep/rebalance", "");
      assertThat(asked.status()).as(asked.body()).isEqualTo(202);
      for (int i = 0; i < streams.size(); i++) {
        assertThat(Served.streamedTokens(streams.get(i).get()))
            .as("stream %d", i)
            .isEqualTo(Served.expected(prompts.get(i), 120));
      }
      JsonObject status = s.get("/v1/eep/status").json();
      String first = null;
      for (int r = 0; r < 4; r++) {
        JsonObject rank = slot(status, r).getAsJsonObject("rank_status");
        assertThat(
                rank.getAsJsonObject("stats")
                    .getAsJsonObject("rebalancing")
                    .get("snapshots")
                    .getAsLong())
            .as("rank %d took the snapshot", r)
            .isEqualTo(1);
        JsonObject decided = rank.getAsJsonArray("rebalances").get(0).getAsJsonObject();
        String decision =
            decided.get("snapshotId").getAsLong() + "/" + decided.get("loads").getAsInt();
        assertThat(decision)
            .as("rank %d decided as rank 0", r)
            .isEqualTo(first == null ? decision : first);
        first = decision;
        assertThat(rank.getAsJsonArray("routedLoad").size()).isEqualTo(2);
      }
    }
  }
}
