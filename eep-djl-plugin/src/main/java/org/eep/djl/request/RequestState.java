package org.eep.djl.request;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eep.api.membership.Owner;

/**
 * The front end's record of one request: the tokens emitted so far (each index once), which rank
 * incarnation owns it, and the future the caller waits on. Tokens from an owner that no longer owns
 * the request are ignored, so a dead rank's late output can never reach the caller. Thread-safe.
 */
public final class RequestState {
  private final GenerationRequest request;
  private final TokenListener listener;
  private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
  private final List<Integer> tokens = new ArrayList<>();
  private Owner owner;
  private int attempts;
  private boolean degraded;

  public RequestState(GenerationRequest request, TokenListener listener) {
    this.request = requireNonNull(request, "request is null");
    this.listener = requireNonNull(listener, "listener is null");
  }

  public GenerationRequest request() {
    return request;
  }

  public CompletableFuture<GenerationResult> result() {
    return result;
  }

  /** Hands the request to {@code next}; returns the tokens emitted so far. */
  public synchronized int[] assign(Owner next) {
    owner = requireNonNull(next, "next is null");
    attempts++;
    return emittedTokens();
  }

  /**
   * Records tokens emitted elsewhere before this state took over (a request handed over by a remote
   * front end).
   */
  public synchronized void resume(int[] emitted) {
    if (tokens.isEmpty()) {
      for (int t : emitted) {
        tokens.add(t);
      }
    }
  }

  /** How many times the request was handed to an owner. */
  public synchronized int attempts() {
    return attempts;
  }

  public synchronized boolean ownedBy(Owner candidate) {
    return candidate.equals(owner);
  }

  /** The owner the request is assigned to, if any. */
  public synchronized Optional<Owner> owner() {
    return Optional.ofNullable(owner);
  }

  public boolean wantsLogits() {
    return listener.wantsLogits();
  }

  /**
   * Records token {@code index} from {@code from}. Returns true if the request is now complete. A
   * token of an owner that no longer owns the request is ignored; a token already emitted is
   * checked, not repeated: a mismatch is a bug and fails the request.
   */
  public boolean emit(Owner from, int index, int token, boolean degradedToken, float[] logits) {
    boolean complete;
    synchronized (this) {
      if (!from.equals(owner) || result.isDone()) {
        return false;
      }
      if (index < tokens.size()) {
        if (tokens.get(index) != token) {
          result.completeExceptionally(
              new IllegalStateException(
                  "request "
                      + request.id()
                      + ": token "
                      + index
                      + " re-computed as "
                      + token
                      + " but "
                      + tokens.get(index)
                      + " was emitted"));
        }
        return false;
      }
      if (index != tokens.size()) {
        return false;
      }
      tokens.add(token);
      degraded |= degradedToken;
      complete = tokens.size() == request.maxNewTokens();
    }
    if (logits != null) {
      listener.onLogits(request.id(), index, logits);
    }
    listener.onToken(request.id(), index, token, from);
    if (complete) {
      result.complete(new GenerationResult(request.id(), emittedTokens(), degraded));
    }
    return complete;
  }

  /** The number of tokens emitted so far. */
  public synchronized int emitted() {
    return tokens.size();
  }

  /**
   * Fails the request (an endpoint that cannot serve it reports here; the router may re-queue
   * first).
   */
  public void fail(Throwable t) {
    result.completeExceptionally(t);
  }

  private synchronized int[] emittedTokens() {
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }
}
