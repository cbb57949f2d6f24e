package org.eep.djl.engine;

import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.eep.djl.instance.EpInstance;

/**
 * What the EEP translators share: the EP instance behind a predictor's model, and the futures of a
 * batch, kept in the translator context between {@code batchProcessInput} (which submits every
 * request) and {@code batchProcessOutput} (which waits for them). Used on the predicting thread.
 */
final class Pending {
  private static final String ATTACHMENT = "eep.pending";

  private Pending() {}

  /** The running instance of the context's model. */
  static EpInstance instance(TranslatorContext ctx) {
    return EepModel.of(ctx.getModel()).instance();
  }

  static void put(TranslatorContext ctx, List<? extends CompletableFuture<?>> futures) {
    ctx.setAttachment(ATTACHMENT, List.copyOf(futures));
  }

  @SuppressWarnings("unchecked")
  static <T> List<CompletableFuture<T>> take(TranslatorContext ctx) throws TranslateException {
    Object o = ctx.getAttachment(ATTACHMENT);
    if (!(o instanceof List<?> list)) {
      throw new TranslateException(
          "No EEP requests were submitted for this output (processInput and processOutput of an EEP "
              + "translator run in pairs on one context)");
    }
    return (List<CompletableFuture<T>>) list;
  }

  /**
   * The value of {@code f}, waiting as long as it takes; a failure becomes a TranslateException
   * naming its cause.
   */
  static <T> T await(CompletableFuture<T> f) throws TranslateException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TranslateException("Interrupted while waiting for an EEP request", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new TranslateException(String.valueOf(cause.getMessage()), cause);
    }
  }
}
