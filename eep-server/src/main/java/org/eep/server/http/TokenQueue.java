package org.eep.server.http;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.eep.api.membership.Owner;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * A request's tokens and its end as events for the thread that writes the response: filled by the
 * listener (the rank's or the launcher's thread, which must not block), drained by the handler.
 */
final class TokenQueue implements TokenListener {
  /** What happened to the request next. */
  sealed interface Event {}

  /** Token {@code index} (the request's tokens arrive in order, each once). */
  record Token(int index, int token) implements Event {}

  /** The request finished. */
  record Done(GenerationResult result) implements Event {}

  /** The request failed. */
  record Failed(Throwable cause) implements Event {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

  @Override
  public void onToken(String requestId, int index, int token, Owner owner) {
    events.add(new Token(index, token));
  }

  /** Adds the request's end once {@code result} completes. */
  void endWith(CompletableFuture<GenerationResult> result) {
    result.whenComplete(
        (r, t) -> {
          if (t == null) {
            events.add(new Done(r));
          } else {
            events.add(
                new Failed(
                    t instanceof CompletionException && t.getCause() != null ? t.getCause() : t));
          }
        });
  }

  Event take() throws InterruptedException {
    return events.take();
  }
}
