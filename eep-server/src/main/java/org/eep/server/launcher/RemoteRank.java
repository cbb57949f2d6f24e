package org.eep.server.launcher;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eep.api.membership.Owner;
import org.eep.djl.frontend.RankEndpoint;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.RequestState;

/**
 * The front end's handle on a rank process: hands requests over HTTP on loopback and feeds the
 * streamed tokens into the request's state. A broken stream is left to the router: the view that
 * evicts the rank re-queues its requests. Thread-safe.
 */
final class RemoteRank implements RankEndpoint {
  private static final Gson GSON = new Gson();
  private final int rank;
  private final HttpClient http;
  private volatile URI base;
  private volatile long incarnation;
  private volatile Process process;
  private volatile String failure;
  private volatile boolean drained;

  RemoteRank(int rank, HttpClient http) {
    this.rank = rank;
    this.http = http;
  }

  void started(Process p) {
    process = p;
    base = null;
    failure = null;
    drained = false;
  }

  /** True once the current process was asked to leave its slot. */
  boolean drained() {
    return drained;
  }

  /** Records the cause the process reported when it could not start. */
  void failed(String cause) {
    failure = cause;
  }

  /** The cause the current process reported when it could not start, or null. */
  String failure() {
    return failure;
  }

  /** The process of {@code incarnation} answers at {@code base} ({@code http://host:port}). */
  void ready(long incarnation, URI base) {
    this.incarnation = incarnation;
    this.base = base;
  }

  Process process() {
    return process;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public long incarnation() {
    return incarnation;
  }

  @Override
  public boolean serving() {
    Process p = process;
    // A rank this JVM did not start (eep_ranks=external) serves while its endpoint is known; the
    // router also requires its incarnation ACTIVE in the newest view.
    return base != null && (p == null || p.isAlive());
  }

  @Override
  public void submit(RequestState state, int[] alreadyEmitted, Owner owner) {
    GenerationRequest r = state.request();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", r.id());
    body.put("prompt", r.prompt());
    body.put("max_new_tokens", r.maxNewTokens());
    body.put("emitted", alreadyEmitted);
    body.put("owner", owner);
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve("/generate"))
            .POST(HttpRequest.BodyPublishers.ofString(GSON.toJson(body)))
            .build();
    http.sendAsync(req, HttpResponse.BodyHandlers.ofLines())
        .thenAccept(
            resp ->
                resp.body()
                    .forEach(
                        line -> {
                          JsonObject o = GSON.fromJson(line, JsonObject.class);
                          if (o.has("i")) {
                            state.emit(
                                owner, o.get("i").getAsInt(), o.get("t").getAsInt(), false, null);
                          } else if (o.has("error") && state.ownedBy(owner)) {
                            state.fail(new RequestRejectedException(o.get("error").getAsString()));
                          }
                        }));
  }

  @Override
  public int[] uncoveredExperts() {
    JsonObject s = call("GET", "/coverage");
    return s == null || !s.has("uncovered")
        ? new int[0]
        : GSON.fromJson(s.get("uncovered"), int[].class);
  }

  /** The rank's /status document, or null if it does not answer. */
  JsonObject status() {
    return call("GET", "/status");
  }

  /**
   * The experts that would have no replica if rank {@code leaving} left now, as this rank plans;
   * null if it does not answer.
   */
  int[] missingWithout(int leaving) {
    JsonObject o = call("GET", "/coverage?without=" + leaving);
    return o == null || !o.has("missing") ? null : GSON.fromJson(o.get("missing"), int[].class);
  }

  /** Asks the process to leave its slot (LEFT) and exit; false if it does not answer. */
  boolean leave() {
    drained = true;
    return call("POST", "/leave") != null;
  }

  /** Asks the process for a live rebalance; false if it does not answer or does not serve. */
  boolean requestRebalance() {
    return call("POST", "/rebalance") != null;
  }

  /** POSTs to {@code uri}; false if it does not answer with 2xx. */
  static boolean post(HttpClient http, URI uri) {
    return send(http, uri, "POST") != null;
  }

  private JsonObject call(String method, String path) {
    URI b = base;
    if (b == null) {
      return null;
    }
    String body = send(http, b.resolve(path), method);
    return body == null ? null : GSON.fromJson(body, JsonObject.class);
  }

  /** The body of a 2xx answer to {@code method uri} (no request body); null for any other end. */
  private static String send(HttpClient http, URI uri, String method) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(Duration.ofSeconds(2))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() / 100 == 2 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
