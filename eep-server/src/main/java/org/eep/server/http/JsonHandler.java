package org.eep.server.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.eep.api.EepException;
import org.eep.djl.request.InvalidRequestException;
import org.eep.djl.request.RequestRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton of every endpoint: checks the method, runs {@link #serve}, and turns what it throws
 * into a JSON error ({@code {"error": message}}): 400 for a request that is wrong in itself, 503
 * for one the instance cannot take now, the {@link HttpProblem}'s status for the rest of what the
 * handler refuses, and 500 with a one-line message (the trace goes to the log) for a fault of the
 * server. Once a handler has started a streamed response, it reports errors inside the stream. Runs
 * on the server's executor threads.
 */
abstract class JsonHandler implements HttpHandler {
  static final Gson GSON =
      new GsonBuilder()
          .serializeNulls()
          .serializeSpecialFloatingPointValues()
          .disableHtmlEscaping()
          .create();
  private static final Logger LOG = LoggerFactory.getLogger(JsonHandler.class);
  private static final int MAX_BODY = 8 << 20;

  private final Set<String> methods;

  JsonHandler(String... methods) {
    this.methods = Set.of(methods);
  }

  /** Serves one exchange; throws to answer with an error. */
  abstract void serve(HttpExchange ex) throws Exception;

  @Override
  public final void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try {
        if (!methods.contains(ex.getRequestMethod())) {
          ex.getResponseHeaders().add("Allow", String.join(", ", methods));
          throw new HttpProblem(
              405,
              ex.getRequestMethod()
                  + " is not allowed on "
                  + ex.getRequestURI().getPath()
                  + "; use "
                  + String.join(" or ", methods));
        }
        serve(ex);
      } catch (HttpProblem p) {
        send(ex, p.status(), error(p.getMessage()));
      } catch (InvalidRequestException e) {
        send(ex, 400, error(e.getMessage()));
      } catch (RequestRejectedException e) {
        send(ex, 503, error(e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        send(ex, 503, error("the server is shutting down"));
      } catch (Exception e) {
        LOG.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        send(ex, 500, error(EepException.describe(e)));
      }
    }
  }

  static Map<String, String> error(String message) {
    return Map.of("error", String.valueOf(message));
  }

  /** Sends {@code body} as JSON with {@code status}, unless a response was started already. */
  static void send(HttpExchange ex, int status, Object body) throws IOException {
    if (ex.getResponseCode() != -1) {
      return; // a streamed response is under way: its handler reports in the stream
    }
    byte[] b = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  /** Sends {@code json} (already JSON text) with {@code status}. */
  static void sendJson(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  /** The request body as text (at most 8 MiB). */
  static String body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(MAX_BODY + 1);
      if (b.length > MAX_BODY) {
        throw new HttpProblem(413, "the request body is larger than " + MAX_BODY + " bytes");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /**
   * The request body as a JSON object.
   *
   * @throws InvalidRequestException if it is empty, not JSON or not an object
   */
  static JsonObject jsonObject(HttpExchange ex) throws IOException {
    String text = body(ex);
    if (text.isBlank()) {
      throw new InvalidRequestException("the request body is empty; expected a JSON object");
    }
    JsonElement e;
    try {
      e = JsonParser.parseString(text);
    } catch (JsonParseException p) {
      Throwable c = p.getCause() != null ? p.getCause() : p;
      String m = String.valueOf(c.getMessage());
      throw new InvalidRequestException(
          "the request body is not JSON: " + m.lines().findFirst().orElse(m));
    }
    if (!e.isJsonObject()) {
      throw new InvalidRequestException("the request body must be a JSON object");
    }
    return e.getAsJsonObject();
  }
}
