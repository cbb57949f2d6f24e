package org.eep.djl.runtime;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.eep.djl.model.KvCache;
import org.eep.djl.model.MoeConfig;

/**
 * A request being decoded on one rank: its token sequence (prompt, then the tokens emitted before
 * it reached this rank, then what this rank generates), the next position to compute and its KV
 * cache. One token position per step. Owned by the rank thread.
 */
final class ActiveRequest {
  final RequestState state;
  final long ownerKey;
  private final int promptLength;
  private final int maxNewTokens;
  private int[] seq;
  private int length;
  private int position;
  private KvCache cache;
  private boolean degraded;

  ActiveRequest(RequestState state, long ownerKey, int[] alreadyEmitted) {
    this.state = state;
    this.ownerKey = ownerKey;
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
  boolean producesToken() {
    return position == length - 1;
  }

  /** Index (among generated tokens) of the token the current position produces. */
  int outputIndex() {
    return length - promptLength;
  }

  /** Accepts the token computed at the current position and moves to the next one. */
  void advance(int token) {
    if (producesToken()) {
      seq[length++] = token;
    }
    position++;
  }

  boolean finished() {
    return length - promptLength >= maxNewTokens;
  }

  void markDegraded() {
    degraded = true;
  }

  boolean degraded() {
    return degraded;
  }

  /** The state a re-run of a step needs: position and length before it. */
  long checkpoint() {
    return ((long) position << 32) | length;
  }

  void restore(long checkpoint) {
    position = (int) (checkpoint >>> 32);
    length = (int) checkpoint;
  }

  void close() {
    if (cache != null) {
      cache.close();
      cache = null;
    }
  }

  @Override
  public String toString() {
    return state.request().id() + "@" + position + "/" + Arrays.toString(Arrays.copyOf(seq, length));
  }
}
