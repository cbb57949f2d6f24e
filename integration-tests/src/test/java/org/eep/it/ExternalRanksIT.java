package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.SlotState;
import org.eep.djl.request.GenerationRequest;
import org.eep.membership.zookeeper.EmbeddedZooKeeper;
import org.eep.server.EepServer;
import org.eep.server.rank.RankProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code eep_ranks=external} as a StatefulSet would run it: rank processes started by someone else
 * (here the test) with fixed front-end ports, ZooKeeper of their own, and a front end that only
 * follows the views and reaches rank r at the endpoint template. A rank killed and started again by
 * "its controller" rejoins; no request is lost, no token changes.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExternalRanksIT {
  private static final Gson GSON = new Gson();
  private final HttpClient http = HttpClient.newHttpClient();

  /** A port base B such that B*10 + rank is free for ranks 0 and 1. */
  private static int portBase() throws IOException {
    for (int base = 3000 + (int) (ProcessHandle.current().pid() % 2000); base < 6500; base++) {
      try (ServerSocket a = new ServerSocket(base * 10, 1, InetAddress.getLoopbackAddress());
          ServerSocket b = new ServerSocket(base * 10 + 1, 1, InetAddress.getLoopbackAddress())) {
        return Math.min(a.getLocalPort(), b.getLocalPort()) / 10;
      } catch (IOException busy) {
        // try the next pair
      }
    }
    throw new IOException("no two free ports of the form N0, N1 on loopback");
  }

  private static Process rank(int r, List<String> options) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Dai.djl.pytorch.num_threads=1");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add(RankProcess.class.getName());
    cmd.add("--model");
    cmd.add(Models.tiny().toString());
    cmd.addAll(options);
    cmd.add("eep_rank=" + r);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(l -> System.out.println("[rank " + r + "] " + l));
              } catch (IOException e) {
                System.out.println("[rank " + r + "] " + e);
              }
            });
    pump.setDaemon(true);
    pump.start();
    return p;
  }

  private int[] complete(EepServer s, int[] prompt, int n) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(s.uri().resolve("/v1/completions"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\": " + Arrays.toString(prompt) + ", \"max_tokens\": " + n + "}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject choice =
        GSON.fromJson(r.body(), JsonObject.class)
            .getAsJsonArray("choices")
            .get(0)
            .getAsJsonObject();
    return GSON.fromJson(choice.get("token_ids"), int[].class);
  }

  private static int[] expected(int[] prompt, int n) {
    return Models.expected(new GenerationRequest("x", prompt, n));
  }

  @Test
  void aFrontEndOfRanksStartedElsewhereServesThroughAKillAndTheRanksRestart() throws Exception {
    int base = portBase();
    String instance = "external-it-" + ProcessHandle.current().pid();
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start()) {
      List<String> options =
          List.of(
              "eep_instance=" + instance,
              "eep_max_ranks=2",
              "eep_transport=tcp",
              "eep_membership=zookeeper",
              "eep_zookeeper_connect=" + zk.connectString(),
              "eep_redundant_experts=auto",
              "eep_tier_bandwidth=peer=4,host=2,disk=0.5",
              "eep_heartbeat_ms=200",
              "eep_heartbeat_misses=10");
      List<Process> ranks = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        List<String> o = new ArrayList<>(options);
        o.add("eep_rank_http_port=" + (base * 10 + r));
        ranks.add(rank(r, o));
      }
      Map<String, Object> front = new LinkedHashMap<>();
      for (String o : options) {
        String[] kv = o.split("=", 2);
        front.put(kv[0], kv[1]);
      }
      front.put("eep_ranks", "external");
      front.put("eep_rank_endpoint", "http://127.0.0.1:" + base + "{rank}");
      try (EepServer s =
          EepServer.start(
              EepConfig.of(front),
              new EepServer.Options(Models.tiny(), "tiny", "127.0.0.1", 0, Duration.ofSeconds(5)),
              line -> {})) {
        assertThat(s.instance().describe()).contains("started elsewhere");
        int[] prompt = {5, 6, 7};
        assertThat(complete(s, prompt, 8)).isEqualTo(expected(prompt, 8));

        List<CompletableFuture<int[]>> inFlight = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int[] p = {(3 * i + 1) % 512, (11 * i + 5) % 512};
          prompts.add(p);
          inFlight.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return complete(s, p, 80);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
        }
        // Kill once the requests are admitted (each rank then holds some of them).
        while (s.instance().router().outstanding() < inFlight.size()
            && inFlight.stream().noneMatch(CompletableFuture::isDone)) {
          Thread.onSpinWait();
        }
        ranks.get(1).destroyForcibly().waitFor();
        assertThat(
                s.instance()
                    .awaitView(v -> v.slot(1).state() == SlotState.FAILED, Duration.ofMinutes(2)))
            .as("the front end learned the death from the view")
            .isNotNull();
        for (int i = 0; i < inFlight.size(); i++) {
          assertThat(inFlight.get(i).get(5, TimeUnit.MINUTES))
              .as("request %d through the kill", i)
              .isEqualTo(expected(prompts.get(i), 80));
        }

        List<String> again = new ArrayList<>(options);
        again.add("eep_rank_http_port=" + (base * 10 + 1));
        ranks.set(1, rank(1, again)); // its controller starts it again
        assertThat(
                s.instance()
                    .awaitView(
                        v -> v.slot(1).state() == SlotState.ACTIVE && v.slot(1).incarnation() == 2,
                        Duration.ofMinutes(3)))
            .as("the restarted rank rejoined as incarnation 2")
            .isNotNull();
        HttpResponse<String> refused =
            http.send(
                HttpRequest.newBuilder(s.uri().resolve("/v1/eep/ranks/1/rejoin"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.body()).contains("\"changed\":false");
        int[] after = {9, 8};
        assertThat(complete(s, after, 6)).isEqualTo(expected(after, 6));
      } finally {
        ranks.forEach(Process::destroyForcibly);
      }
    }
  }
}
