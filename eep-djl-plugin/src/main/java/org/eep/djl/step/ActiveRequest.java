package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.eep.api.membership.Owner;
import org.eep.djl.model.KvCache;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.RequestState;

/**
 * A request being decoded on one rank: its token sequence (prompt, then the tokens emitted before
 * it reached this rank, then what this rank generates), the next position to compute and its KV
 * cache. One token position per step. Owned by the rank thread.
 */
public final class ActiveRequest {
  /** The state a re-run of a step needs: the position and sequence length before it. */
  public record Mark(int position, int length) {}

  private final RequestState state;
  private final Owner owner;
  private final int promptLength;
  private final int maxNewTokens;
  private final int[] seq;
  private int length;
  private int position;
  private KvCache cache;
  private boolean degraded;

  public ActiveRequest(RequestState state, Owner owner, int[] alreadyEmitted) {
    this.state = requireNonNull(state, "state is null");
    this.owner = requireNonNull(owner, "owner is null");
    GenerationRequest r = state.request();
    this.promptLength = r.promptLength();
    this.maxNewTokens = r.maxNewTokens();
    this.seq = new int[promptLength + maxNewTokens];
    for (int i = 0; i < promptLength; i++) {
      seq[i] = r.promptToken(i);
    }
    System.arraycopy(alreadyEmitted, 0, seq, promptLength, alreadyEmitted.length);
    this.length = promptLength + alreadyEmitted.length;
  }

  public RequestState state() {
    return state;
  }

  public Owner owner() {
    return owner;
  }

  /** True while the request is unfinished and still owned by this rank's incarnation. */
  public boolean live() {
    return !state.result().isDone() && state.ownedBy(owner);
  }

  void open(MoeConfig config, NDManager manager) {
    if (cache == null) {
      cache = new KvCache(config, manager, promptLength + maxNewTokens);
    }
  }

  KvCache cache() {
    return cache;
  }

  int position() {
    return position;
  }

  int input() {
    return seq[position];
  }

  /** True if the token computed at the current position is a new output token. */
  public boolean producesToken() {
    return position == length - 1;
  }

  /** Index (among generated tokens) of the token the current position produces. */
  public int outputIndex() {
    return length - promptLength;
  }

  /** Accepts the token computed at the current position and moves to the next one. */
  public void advance(int token) {
    if (producesToken()) {
      seq[length++] = token;
    }
    position++;
  }

  public boolean finished() {
    return length - promptLength >= maxNewTokens;
  }

  public void markDegraded() {
    degraded = true;
  }

  public boolean degraded() {
    return degraded;
  }

  public Mark mark() {
    return new Mark(position, length);
  }

  public void restore(Mark mark) {
    position = mark.position();
    length = mark.length();
  }

  public void close() {
    if (cache != null) {
      cache.close();
      cache = null;
    }
  }

  @Override
  public String toString() {
    return state.request().id()
        + "@"
        + position
        + "/"
        + Arrays.toString(Arrays.copyOf(seq, length));
  }
}
