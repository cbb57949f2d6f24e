package org.eep.djl.engine;

import static java.util.Objects.requireNonNull;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.InvalidRequestException;

/**
 * The JSON of DJL Serving's {@code POST /predictions/{model}} for an EEP model, the one definition
 * both the DJL Serving translator and {@code eep serve} use. Request: {@code {"inputs": [token
 * ids], "parameters": {"max_new_tokens": n}, "stream": false}}; response: {@code {"token_ids":
 * [...], "degraded": false}}; error: {@code {"error": reason}}. With {@code "stream": true} the
 * response is JSON lines, one {@code {"index": i, "token_id": t}} per token as it is generated,
 * then the whole response (or the error) as the last line. Unknown fields are refused by name.
 * Stateless.
 */
public final class PredictionJson {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Set<String> FIELDS = Set.of("inputs", "parameters", "stream");
  private static final Set<String> PARAMETERS = Set.of("max_new_tokens");
  private static final String SHAPE =
      "expected {\"inputs\": [token ids], \"parameters\": {\"max_new_tokens\": n}}";

  private PredictionJson() {}

  /** A parsed body: the request, and whether its tokens are streamed. */
  public record Prediction(GenerationRequest request, boolean stream) {}

  /**
   * The request in {@code body}, with id {@code id}.
   *
   * @throws InvalidRequestException naming what is wrong (not JSON, a missing or unknown field, a
   *     value of the wrong type)
   */
  public static Prediction parse(String body, String id) {
    requireNonNull(id, "id is null");
    JsonObject o = object(body);
    JsonElement stream = o.get("stream");
    if (stream != null
        && !stream.isJsonNull()
        && !(stream.isJsonPrimitive() && stream.getAsJsonPrimitive().isBoolean())) {
      throw new InvalidRequestException("\"stream\" must be true or false, got " + stream);
    }
    JsonElement inputs = o.get("inputs");
    if (inputs == null || !inputs.isJsonArray()) {
      throw new InvalidRequestException("\"inputs\" must be an array of token ids; " + SHAPE);
    }
    JsonArray ids = inputs.getAsJsonArray();
    int[] prompt = new int[ids.size()];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = integer(ids.get(i), "inputs[" + i + "]");
    }
    JsonElement params = o.get("parameters");
    if (params == null || !params.isJsonObject()) {
      throw new InvalidRequestException(
          "\"parameters\": {\"max_new_tokens\": n} is required; " + SHAPE);
    }
    JsonObject p = params.getAsJsonObject();
    refuseUnknown(p, PARAMETERS, "parameters.");
    JsonElement max = p.get("max_new_tokens");
    if (max == null) {
      throw new InvalidRequestException(
          "\"parameters\": {\"max_new_tokens\": n} is required; " + SHAPE);
    }
    return new Prediction(
        new GenerationRequest(id, prompt, integer(max, "parameters.max_new_tokens")),
        stream != null && !stream.isJsonNull() && stream.getAsBoolean());
  }

  /** One line of a streamed response: token {@code index} is {@code token}. */
  public static String tokenLine(int index, int token) {
    return "{\"index\":" + index + ",\"token_id\":" + token + "}\n";
  }

  /** The response body for a finished request. */
  public static String result(GenerationResult r) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token_ids", r.tokens());
    body.put("degraded", r.degraded());
    return GSON.toJson(body);
  }

  /** An error body: {@code {"error": message}}. */
  public static String error(String message) {
    return GSON.toJson(Map.of("error", String.valueOf(message)));
  }

  /**
   * {@code body} as a JSON object whose fields are all among {@code FIELDS}.
   *
   * @throws InvalidRequestException if it is not
   */
  private static JsonObject object(String body) {
    if (body == null || body.isBlank()) {
      throw new InvalidRequestException("empty request; " + SHAPE);
    }
    JsonElement e;
    try {
      e = JsonParser.parseString(body);
    } catch (JsonParseException ex) {
      throw new InvalidRequestException("the request body is not JSON: " + rootMessage(ex));
    }
    if (!e.isJsonObject()) {
      throw new InvalidRequestException("the request body must be a JSON object; " + SHAPE);
    }
    JsonObject o = e.getAsJsonObject();
    refuseUnknown(o, FIELDS, "");
    return o;
  }

  /**
   * Refuses fields of {@code o} outside {@code accepted}, naming them and the accepted ones.
   *
   * @throws InvalidRequestException if there are any
   */
  public static void refuseUnknown(JsonObject o, Set<String> accepted, String prefix) {
    Set<String> unknown = new TreeSet<>(o.keySet());
    unknown.removeAll(accepted);
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(
          "unknown field"
              + (unknown.size() > 1 ? "s " : " ")
              + prefix
              + String.join(", " + prefix, unknown)
              + "; accepted: "
              + prefix
              + String.join(", " + prefix, new TreeSet<>(accepted)));
    }
  }

  /**
   * {@code e} as an int.
   *
   * @throws InvalidRequestException naming {@code what} if it is not an integral number in range
   */
  public static int integer(JsonElement e, String what) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double d = e.getAsDouble();
      if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw new InvalidRequestException(what + " must be an integer, got " + e);
  }

  /** The innermost cause's message, its first line (Gson appends a troubleshooting link). */
  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    String m = String.valueOf(c.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
