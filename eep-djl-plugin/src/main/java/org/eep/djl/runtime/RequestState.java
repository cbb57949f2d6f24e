package org.eep.djl.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The front end's record of one request: the tokens emitted so far (each index once), which rank
 * incarnation owns it, and the future the caller waits on. Tokens from a rank that no longer owns
 * the request are ignored, so a dead rank's late output can never reach the caller. Thread-safe.
 */
public final class RequestState {
  private final GenerationRequest request;
  private final TokenListener listener;
  private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
  private final List<Integer> tokens = new ArrayList<>();
  private long owner = -1;
  private int attempts;
  private boolean degraded;

  RequestState(GenerationRequest request, TokenListener listener) {
    this.request = request;
    this.listener = listener;
  }

  public GenerationRequest request() {
    return request;
  }

  public CompletableFuture<GenerationResult> result() {
    return result;
  }

  /** Hands the request to {@code ownerKey} (rank and incarnation); returns the tokens emitted so far. */
  synchronized int[] assign(long ownerKey) {
    owner = ownerKey;
    attempts++;
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Records tokens emitted elsewhere before this state took over (a request handed over by a remote front end). */
  synchronized void resume(int[] emitted) {
    if (tokens.isEmpty()) {
      for (int t : emitted) {
        tokens.add(t);
      }
    }
  }

  synchronized int attempts() {
    return attempts;
  }

  synchronized boolean ownedBy(long ownerKey) {
    return owner == ownerKey;
  }

  /** The owner key (rank and incarnation) the request is assigned to, or -1. */
  public synchronized long owner() {
    return owner;
  }

  /**
   * Records token {@code index} from {@code ownerKey}. Returns true if the request is now complete.
   * A token already emitted is checked, not repeated: a mismatch is a bug and fails the request.
   */
  boolean wantsLogits() {
    return listener.wantsLogits();
  }

  /**
   * Records token {@code index} from the rank incarnation {@code ownerKey} (for endpoints of ranks
   * in other processes). Returns true if the request is now complete.
   */
  public boolean emit(long ownerKey, int index, int token, boolean degradedToken) {
    return emit(ownerKey, index, token, degradedToken, null);
  }

  boolean emit(long ownerKey, int index, int token, boolean degradedToken, float[] logits) {
    boolean complete;
    synchronized (this) {
      if (owner != ownerKey || result.isDone()) {
        return false;
      }
      if (index < tokens.size()) {
        if (tokens.get(index) != token) {
          result.completeExceptionally(new IllegalStateException("request " + request.id() + ": token " + index
              + " re-computed as " + token + " but " + tokens.get(index) + " was emitted"));
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
    listener.onToken(request.id(), index, token);
    if (complete) {
      result.complete(new GenerationResult(request.id(), tokens.stream().mapToInt(Integer::intValue).toArray(), degraded));
    }
    return complete;
  }

  synchronized int emitted() {
    return tokens.size();
  }

  /** Fails the request (an endpoint that cannot serve it reports here; the router may re-queue first). */
  public void fail(Throwable t) {
    result.completeExceptionally(t);
  }
}
