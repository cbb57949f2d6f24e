package org.eep.djl.engine;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.InvalidRequestException;
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
    EpInstance cluster = Pending.instance(ctx);
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

  private static CompletableFuture<Output> submit(EpInstance cluster, Input in) {
    try {
      BytesSupplier data = in.getData();
      PredictionJson.Prediction p =
          PredictionJson.parse(
              data == null ? null : data.getAsString(), "djl-" + IDS.incrementAndGet());
      if (p.stream()) {
        return CompletableFuture.completedFuture(stream(cluster, p.request()));
      }
      return cluster
          .submit(p.request(), TokenListener.NONE)
          .handle((r, t) -> r != null ? ok(r) : failed(t));
    } catch (RequestRejectedException e) {
      return CompletableFuture.completedFuture(error(status(e), e.getMessage()));
    }
  }

  /**
   * A streamed response: DJL Serving sends each chunk as it is appended ({@code transfer-encoding:
   * chunked}), one JSON line per token, then the whole response or the error. Submitting happens
   * first, so a request the instance refuses still answers 400 or 503.
   */
  private static Output stream(EpInstance cluster, GenerationRequest request) {
    ChunkedBytesSupplier chunks = new ChunkedBytesSupplier();
    cluster
        .submit(
            request,
            (id, index, token, owner) ->
                chunks.appendContent(
                    PredictionJson.tokenLine(index, token).getBytes(StandardCharsets.UTF_8), false))
        .whenComplete(
            (r, t) -> {
              Throwable cause =
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
              String last =
                  r != null
                      ? PredictionJson.result(r)
                      : PredictionJson.error(String.valueOf(cause.getMessage()));
              chunks.appendContent((last + "\n").getBytes(StandardCharsets.UTF_8), true);
            });
    Output out = new Output();
    out.addProperty("Content-Type", "application/jsonlines");
    out.add(chunks);
    return out;
  }

  private static Output ok(GenerationResult r) {
    Output out = new Output();
    out.addProperty("Content-Type", "application/json");
    out.add(PredictionJson.result(r));
    return out;
  }

  private static Output failed(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof RequestRejectedException e) {
      return error(status(e), e.getMessage());
    }
    return error(500, String.valueOf(cause.getMessage()));
  }

  /** 400 for a request that is wrong in itself, 503 for one the instance cannot take now. */
  private static int status(RequestRejectedException e) {
    return e instanceof InvalidRequestException ? 400 : 503;
  }

  /**
   * An error answer: the reason in the JSON body and, on one line, as the status message (DJL
   * Serving puts it on the status line, where a line break is not allowed).
   */
  private static Output error(int code, String message) {
    Output out = new Output(code, String.valueOf(message).replaceAll("[\\r\\n]+", " "));
    out.addProperty("Content-Type", "application/json");
    out.add(PredictionJson.error(message));
    return out;
  }
}
