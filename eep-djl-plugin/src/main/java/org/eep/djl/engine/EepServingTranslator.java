package org.eep.djl.engine;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;

/**
 * The {@code Input}/{@code Output} translator DJL Serving uses for an EEP model (select it with
 * {@code translatorFactory=org.eep.djl.engine.EepTranslatorFactory} in {@code serving.properties}).
 *
 * <p>Request body (JSON): {@code {"inputs": [token ids], "parameters": {"max_new_tokens": n}}}.
 * Response: {@code {"token_ids": [generated ids], "degraded": false}} with status 200; {@code
 * degraded} is true if experts were dropped from top-k ({@code eep_on_coverage_loss=drop}). Each
 * request of a batch succeeds or fails on its own: a malformed or invalid request answers 400, one
 * the instance cannot take now (overloaded, experts missing, instance failing) answers 503, and the
 * body is {@code {"error": reason}}. A batch is submitted whole, then awaited.
 *
 * <p>Request ids are made here and are unique in the JVM. Thread-safe; created by {@link
 * EepTranslatorFactory}.
 */
public final class EepServingTranslator implements Translator<Input, Output> {
  private static final AtomicLong IDS = new AtomicLong();
  private static final Gson GSON = new Gson();

  /** A translator; the model it serves is the predictor's. */
  public EepServingTranslator() {}

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) throws TranslateException {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<Input> inputs) {
    EpCluster cluster = Pending.cluster(ctx);
    List<CompletableFuture<Output>> futures = new ArrayList<>(inputs.size());
    for (Input in : inputs) {
      futures.add(submit(cluster, in));
    }
    Pending.put(ctx, futures);
    return new NDList();
  }

  @Override
  public List<Output> batchProcessOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    List<Output> out = new ArrayList<>();
    for (CompletableFuture<Output> f : Pending.<Output>take(ctx)) {
      out.add(Pending.await(f));
    }
    return out;
  }

  private static CompletableFuture<Output> submit(EpCluster cluster, Input in) {
    GenerationRequest request;
    try {
      request = parse(in);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(400, e.getMessage()));
    }
    try {
      return cluster
          .submit(request, TokenListener.NONE)
          .handle((r, t) -> r != null ? ok(r) : failed(t));
    } catch (RequestRejectedException e) {
      return CompletableFuture.completedFuture(error(rejectedStatus(e), e.getMessage()));
    }
  }

  /** Parses one request body; an IllegalArgumentException says what is wrong with it. */
  static GenerationRequest parse(Input in) {
    BytesSupplier data = in.getData();
    if (data == null) {
      throw new IllegalArgumentException(
          "empty request; expected {\"inputs\": [token ids], \"parameters\": {\"max_new_tokens\": n}}");
    }
    JsonObject body;
    try {
      JsonElement e = JsonParser.parseString(data.getAsString());
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("the request body must be a JSON object");
      }
      body = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("the request body is not JSON: " + e.getMessage(), e);
    }
    JsonElement inputs = body.get("inputs");
    if (inputs == null || !inputs.isJsonArray()) {
      throw new IllegalArgumentException("\"inputs\" must be an array of token ids");
    }
    JsonArray ids = inputs.getAsJsonArray();
    int[] prompt = new int[ids.size()];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = integer(ids.get(i), "inputs[" + i + "]");
    }
    JsonElement params = body.get("parameters");
    JsonElement max =
        params != null && params.isJsonObject()
            ? params.getAsJsonObject().get("max_new_tokens")
            : null;
    if (max == null) {
      throw new IllegalArgumentException("\"parameters\": {\"max_new_tokens\": n} is required");
    }
    return new GenerationRequest(
        "djl-" + IDS.incrementAndGet(), prompt, integer(max, "parameters.max_new_tokens"));
  }

  private static int integer(JsonElement e, String what) {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double d = e.getAsDouble();
      if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw new IllegalArgumentException(what + " must be an integer, got " + e);
  }

  private static Output ok(GenerationResult r) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token_ids", r.tokens());
    body.put("degraded", r.degraded());
    Output out = new Output();
    out.addProperty("Content-Type", "application/json");
    out.add(GSON.toJson(body));
    return out;
  }

  private static Output failed(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return error(
        cause instanceof RequestRejectedException ? 503 : 500, String.valueOf(cause.getMessage()));
  }

  /**
   * 400 for a request the instance finds invalid (its reasons start with "request &lt;id&gt;:"),
   * 503 for one it cannot take now (overloaded, coverage lost).
   */
  private static int rejectedStatus(RequestRejectedException e) {
    String m = String.valueOf(e.getMessage());
    return m.startsWith("request ") ? 400 : 503;
  }

  private static Output error(int code, String message) {
    Output out = new Output(code, message);
    out.addProperty("Content-Type", "application/json");
    out.add(GSON.toJson(Map.of("error", message)));
    return out;
  }
}
