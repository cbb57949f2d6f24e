package org.eep.server.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Optional;
import java.util.Set;
import org.eep.djl.engine.PredictionJson;
import org.eep.djl.request.InvalidRequestException;
import org.eep.server.text.TextCodec;

/**
 * A validated OpenAI-style {@code POST /v1/completions} body. Accepted fields: {@code model}
 * (optional; must name the served model), {@code prompt} (token ids, or text when the model has a
 * tokenizer), {@code max_tokens} (default 16), {@code stream}, and the sampling fields at their
 * greedy values only ({@code temperature} 0, {@code top_p} 1, {@code n} 1), since this server
 * decodes greedily; {@code user} is accepted and ignored. Anything else is refused by name.
 *
 * @param text true if the prompt was text (the response then carries text)
 */
record CompletionRequest(int[] prompt, boolean text, int maxTokens, boolean stream) {
  static final int DEFAULT_MAX_TOKENS = 16;
  private static final Set<String> FIELDS =
      Set.of("model", "prompt", "max_tokens", "stream", "temperature", "top_p", "n", "user");

  /**
   * Parses {@code o} for a server of model {@code model} whose requests may ask for at most {@code
   * maxNewTokens} tokens.
   *
   * @throws InvalidRequestException naming the field and what it accepts
   * @throws HttpProblem (404) if {@code model} names another model
   */
  static CompletionRequest parse(
      JsonObject o, String model, Optional<TextCodec> codec, int maxNewTokens) {
    PredictionJson.refuseUnknown(o, FIELDS, "");
    JsonElement m = o.get("model");
    if (m != null && !m.isJsonNull() && !(m.isJsonPrimitive() && m.getAsString().equals(model))) {
      throw HttpProblem.notFound(
          "model " + m + " is not served here; this server serves \"" + model + "\"");
    }
    JsonElement p = o.get("prompt");
    if (p == null || p.isJsonNull()) {
      throw new InvalidRequestException("prompt is required: token ids, or text");
    }
    int[] prompt;
    boolean text;
    if (p.isJsonPrimitive() && p.getAsJsonPrimitive().isString()) {
      TextCodec c =
          codec.orElseThrow(
              () ->
                  new InvalidRequestException(
                      "prompt is text, but the model has no tokenizer.json to encode it; send token"
                          + " ids (\"prompt\": [1, 2, 3]) or add a tokenizer.json to the model"
                          + " directory"));
      prompt = c.encode(p.getAsString());
      text = true;
    } else if (p.isJsonArray()) {
      JsonArray a = p.getAsJsonArray();
      prompt = new int[a.size()];
      for (int i = 0; i < prompt.length; i++) {
        if (a.get(i).isJsonArray()
            || a.get(i).isJsonPrimitive() && a.get(i).getAsJsonPrimitive().isString()) {
          throw new InvalidRequestException(
              "prompt must be one prompt (text or token ids); batches of prompts are not accepted");
        }
        prompt[i] = PredictionJson.integer(a.get(i), "prompt[" + i + "]");
      }
      text = false;
    } else {
      throw new InvalidRequestException("prompt must be text or an array of token ids, got " + p);
    }
    if (prompt.length == 0) {
      throw new InvalidRequestException("prompt is empty");
    }
    int maxTokens =
        o.has("max_tokens") && !o.get("max_tokens").isJsonNull()
            ? PredictionJson.integer(o.get("max_tokens"), "max_tokens")
            : DEFAULT_MAX_TOKENS;
    if (maxTokens < 1 || maxTokens > maxNewTokens) {
      throw new InvalidRequestException(
          "max_tokens is "
              + maxTokens
              + "; must be in [1, "
              + maxNewTokens
              + "] (eep_max_new_tokens)");
    }
    boolean stream = bool(o, "stream");
    greedy(o, "temperature", 0);
    greedy(o, "top_p", 1);
    greedy(o, "n", 1);
    return new CompletionRequest(prompt, text, maxTokens, stream);
  }

  private static boolean bool(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      return false;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
      return e.getAsBoolean();
    }
    throw new InvalidRequestException(field + " must be true or false, got " + e);
  }

  private static void greedy(JsonObject o, String field, double only) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      return;
    }
    if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) || e.getAsDouble() != only) {
      throw new InvalidRequestException(
          field
              + " is "
              + e
              + "; this server decodes greedily, so it accepts only "
              + field
              + "="
              + (only == Math.rint(only) ? Long.toString((long) only) : Double.toString(only)));
    }
  }
}
