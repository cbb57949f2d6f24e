package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.djl.engine.PredictionJson;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;
import org.eep.server.instance.ServedInstance;

/**
 * DJL Serving's {@code POST /predictions/{model}} and {@code POST /invocations}, with the JSON of
 * {@link PredictionJson} (what the EEP engine answers inside DJL Serving), so a DJL Serving client
 * works unchanged.
 */
final class PredictionsHandler extends JsonHandler {
  private static final AtomicLong IDS = new AtomicLong();
  private final ServedInstance instance;
  private final String modelName;
  private final String prefix;

  /** {@code prefix}: {@code /predictions/} (a model name follows) or {@code /invocations}. */
  PredictionsHandler(ServedInstance instance, String modelName, String prefix) {
    super("POST");
    this.instance = requireNonNull(instance, "instance is null");
    this.modelName = requireNonNull(modelName, "modelName is null");
    this.prefix = requireNonNull(prefix, "prefix is null");
  }

  @Override
  void serve(HttpExchange ex) throws Exception {
    if (prefix.endsWith("/")) {
      String name = ex.getRequestURI().getPath().substring(prefix.length());
      if (!name.equals(modelName)) {
        throw HttpProblem.notFound(
            "model '" + name + "' is not served here; this server serves '" + modelName + "'");
      }
    }
    GenerationRequest request = PredictionJson.parse(body(ex), "pred-" + IDS.incrementAndGet());
    GenerationResult result;
    try {
      result = instance.submit(request, TokenListener.NONE).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RequestRejectedException r ? r : e;
    }
    sendJson(ex, 200, PredictionJson.result(result));
  }
}
