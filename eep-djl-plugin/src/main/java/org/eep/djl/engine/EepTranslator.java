package org.eep.djl.engine;

import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * Greedy generation through a {@code Predictor<GenerationRequest, GenerationResult>} of an {@link
 * EepModel}. The EP instance does the work on its rank threads; the model's block passes an empty
 * tensor list through. {@code predict} submits one request and waits for it; {@code batchPredict}
 * submits every request of the batch, then waits for each, so the batch decodes together across the
 * instance's ranks.
 *
 * <p>Request ids must be unique among the requests in flight on the instance (the instance refuses
 * a duplicate). A refused request ({@link org.eep.djl.runtime.RequestRejectedException}: invalid,
 * overloaded, experts missing) or a failed one ends the prediction with a {@link
 * TranslateException} naming the reason.
 *
 * <p>Stateless: one instance may serve many predictors and threads. Created by {@link
 * EepTranslatorFactory}, or directly for {@code Criteria.optTranslator}.
 */
public final class EepTranslator implements Translator<GenerationRequest, GenerationResult> {

  /** A translator; the model it serves is the predictor's. */
  public EepTranslator() {}

  @Override
  public NDList processInput(TranslatorContext ctx, GenerationRequest input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public GenerationResult processOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<GenerationRequest> inputs) {
    EpInstance cluster = Pending.instance(ctx);
    List<CompletableFuture<GenerationResult>> futures = new ArrayList<>(inputs.size());
    for (GenerationRequest r : inputs) {
      futures.add(cluster.submit(r, TokenListener.NONE));
    }
    Pending.put(ctx, futures);
    return new NDList();
  }

  @Override
  public List<GenerationResult> batchProcessOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    List<GenerationResult> out = new ArrayList<>();
    for (CompletableFuture<GenerationResult> f : Pending.<GenerationResult>take(ctx)) {
      out.add(Pending.await(f));
    }
    return out;
  }
}
