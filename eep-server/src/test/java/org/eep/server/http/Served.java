package org.eep.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eep.api.config.EepConfig;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.eep.djl.model.ReferenceModel;
import org.eep.server.EepServer;

/** A served tiny model for the front-end tests, the HTTP calls they make, and the oracle. */
final class Served implements AutoCloseable {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final Gson GSON = new Gson();
  private static Path tiny;
  private static final Map<String, int[]> EXPECTED = new HashMap<>();

  final EepServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  /** A response: its status and body. */
  record Reply(int status, String body) {
    JsonObject json() {
      return GSON.fromJson(body, JsonObject.class);
    }

    String error() {
      return json().get("error").getAsString();
    }
  }

  Served(Map<String, Object> extra) throws Exception {
    this(tiny(), extra);
  }

  /** The tiny model without its tokenizer.json. */
  static Served withoutTokenizer() throws Exception {
    Path dir = Files.createTempDirectory("eep-http-no-tokenizer");
    for (String f : List.of("config.json", CheckpointGenerator.WEIGHTS)) {
      Files.copy(tiny().resolve(f), dir.resolve(f));
    }
    return new Served(dir, Map.of());
  }

  Served(Path model, Map<String, Object> extra) throws Exception {
    Map<String, Object> o = new HashMap<>();
    o.put(
        "eep_instance",
        "http-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet());
    o.put("eep_max_ranks", 4);
    o.put("eep_transport", "local");
    o.put("eep_membership", "local");
    o.put("eep_tier_bandwidth", "peer=4,host=8,disk=1");
    o.putAll(extra);
    server =
        EepServer.start(
            EepConfig.of(o),
            new EepServer.Options(model, "tiny", "127.0.0.1", 0, Duration.ofSeconds(5)),
            line -> {});
  }

  static synchronized Path tiny() {
    if (tiny == null) {
      try {
        Path dir = Files.createTempDirectory("eep-http-tiny");
        CheckpointGenerator.generate(Preset.TINY.config(), 42, dir, s -> {});
        tiny = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tiny;
  }

  /** The reference model's tokens. */
  static synchronized int[] expected(int[] prompt, int maxNewTokens) {
    return EXPECTED.computeIfAbsent(
        Arrays.toString(prompt) + "/" + maxNewTokens,
        k -> {
          try (NDManager m = NDManager.newBaseManager();
              ReferenceModel ref = ReferenceModel.load(tiny(), m)) {
            return ref.generate(prompt, maxNewTokens).tokens();
          }
        });
  }

  Reply post(String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  Reply get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  /** The {@code data:} payloads of a streamed completion, in order. */
  List<String> stream(String body) throws Exception {
    HttpResponse<Stream<String>> r =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve("/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    return r.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
  }

  /** The token ids of a stream's events (each event's {@code token_ids}, concatenated). */
  static int[] streamedTokens(List<String> events) {
    return events.stream()
        .filter(e -> !e.equals("[DONE]"))
        .map(e -> GSON.fromJson(e, JsonObject.class))
        .filter(o -> o.has("choices"))
        .flatMapToInt(
            o ->
                Arrays.stream(
                    GSON.fromJson(
                        o.getAsJsonArray("choices").get(0).getAsJsonObject().get("token_ids"),
                        int[].class)))
        .toArray();
  }

  @Override
  public void close() {
    server.close();
  }
}
