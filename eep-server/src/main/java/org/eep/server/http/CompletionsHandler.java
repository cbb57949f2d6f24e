package org.eep.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.api.EepException;
import org.eep.api.config.EepKeys;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.server.instance.ServedInstance;
import org.eep.server.text.TextCodec;

/**
 * OpenAI-style {@code POST /v1/completions} ({@link CompletionRequest}): the whole completion as
 * one JSON object, or with {@code "stream": true} Server-Sent Events, one per token, then one with
 * {@code finish_reason} and {@code usage}, then {@code [DONE]}. Choices carry {@code token_ids}
 * besides {@code text} (the text is empty when the model has no tokenizer). A stream outlives a
 * rank failure: the request moves to a survivor and the client sees every token once, in order.
 */
final class CompletionsHandler extends JsonHandler {
  private static final AtomicLong IDS = new AtomicLong();
  private final ServedInstance instance;
  private final String modelName;
  private final Optional<TextCodec> codec;

  CompletionsHandler(ServedInstance instance, String modelName, Optional<TextCodec> codec) {
    super("POST");
    this.instance = requireNonNull(instance, "instance is null");
    this.modelName = requireNonNull(modelName, "modelName is null");
    this.codec = requireNonNull(codec, "codec is null");
  }

  @Override
  void serve(HttpExchange ex) throws Exception {
    CompletionRequest req =
        CompletionRequest.parse(
            jsonObject(ex), modelName, codec, instance.config().getInt(EepKeys.MAX_NEW_TOKENS));
    String id = "cmpl-" + IDS.incrementAndGet();
    TokenQueue events = new TokenQueue();
    CompletableFuture<GenerationResult> result =
        instance.submit(new GenerationRequest(id, req.prompt(), req.maxTokens()), events);
    events.endWith(result);
    long created = System.currentTimeMillis() / 1000;
    if (req.stream()) {
      stream(ex, id, created, req, events);
    } else {
      whole(ex, id, created, req, events);
    }
  }

  private void whole(
      HttpExchange ex, String id, long created, CompletionRequest req, TokenQueue events)
      throws Exception {
    while (true) {
      TokenQueue.Event e = events.take();
      if (e instanceof TokenQueue.Failed f) {
        throw f.cause() instanceof Exception x
            ? x
            : new RequestRejectedException(String.valueOf(f.cause()));
      }
      if (e instanceof TokenQueue.Done d) {
        int[] tokens = d.result().tokens();
        Map<String, Object> choice = choice(text(tokens), tokens, "length");
        Map<String, Object> body = head(id, created);
        body.put("choices", List.of(choice));
        body.put("usage", usage(req.prompt().length, tokens.length));
        send(ex, 200, body);
        return;
      }
    }
  }

  private void stream(
      HttpExchange ex, String id, long created, CompletionRequest req, TokenQueue events)
      throws IOException, InterruptedException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    Optional<TextCodec.Stream> text = codec.map(TextCodec::stream);
    int emitted = 0;
    while (true) {
      TokenQueue.Event e = events.take();
      if (e instanceof TokenQueue.Token t) {
        Map<String, Object> body = head(id, created);
        body.put(
            "choices",
            List.of(
                choice(text.map(s -> s.next(t.token())).orElse(""), new int[] {t.token()}, null)));
        event(out, GSON.toJson(body));
        emitted++;
      } else if (e instanceof TokenQueue.Done) {
        Map<String, Object> body = head(id, created);
        body.put("choices", List.of(choice("", new int[0], "length")));
        body.put("usage", usage(req.prompt().length, emitted));
        event(out, GSON.toJson(body));
        event(out, "[DONE]");
        return;
      } else if (e instanceof TokenQueue.Failed f) {
        event(out, GSON.toJson(error(EepException.describe(f.cause()))));
        return;
      }
    }
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private String text(int[] tokens) {
    return codec.map(c -> c.decode(tokens)).orElse("");
  }

  private Map<String, Object> head(String id, long created) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("object", "text_completion");
    body.put("created", created);
    body.put("model", modelName);
    return body;
  }

  private static Map<String, Object> choice(String text, int[] tokens, String finish) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("index", 0);
    c.put("text", text);
    List<Integer> ids = new ArrayList<>(tokens.length);
    for (int t : tokens) {
      ids.add(t);
    }
    c.put("token_ids", ids);
    c.put("logprobs", null);
    c.put("finish_reason", finish);
    return c;
  }

  private static Map<String, Object> usage(int prompt, int completion) {
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("prompt_tokens", prompt);
    u.put("completion_tokens", completion);
    u.put("total_tokens", prompt + completion);
    return u;
  }
}
