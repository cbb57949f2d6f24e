package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.api.EepException;
import org.eep.djl.engine.PredictionJson;
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
    PredictionJson.Prediction p = PredictionJson.parse(body(ex), "pred-" + IDS.incrementAndGet());
    TokenQueue events = new TokenQueue();
    events.endWith(instance.submit(p.request(), events));
    if (p.stream()) {
      stream(ex, events);
      return;
    }
    while (true) {
      TokenQueue.Event e = events.take();
      if (e instanceof TokenQueue.Failed f) {
        throw f.cause() instanceof Exception x ? x : new IllegalStateException(f.cause());
      }
      if (e instanceof TokenQueue.Done d) {
        sendJson(ex, 200, PredictionJson.result(d.result()));
        return;
      }
    }
  }

  /** JSON lines as DJL Serving streams them: one per token, then the whole response. */
  private static void stream(HttpExchange ex, TokenQueue events)
      throws IOException, InterruptedException {
    ex.getResponseHeaders().set("Content-Type", "application/jsonlines");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    while (true) {
      TokenQueue.Event e = events.take();
      String line;
      if (e instanceof TokenQueue.Token t) {
        line = PredictionJson.tokenLine(t.index(), t.token());
      } else if (e instanceof TokenQueue.Done d) {
        line = PredictionJson.result(d.result()) + "\n";
      } else {
        line = PredictionJson.error(EepException.describe(((TokenQueue.Failed) e).cause())) + "\n";
      }
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.flush();
      if (!(e instanceof TokenQueue.Token)) {
        return;
      }
    }
  }
}
