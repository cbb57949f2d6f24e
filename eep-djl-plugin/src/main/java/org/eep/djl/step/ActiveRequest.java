package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.eep.api.membership.Owner;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.RequestState;

/**
 * A request being computed on one rank: its token sequence (prompt, then the tokens emitted before
 * it reached this rank, then what this rank generates), the next position to compute, and the KV
 * blocks that hold its positions. A step computes a <em>span</em> of positions: every known token
 * not yet computed, up to the prefill chunk (a new or re-queued request prefills), else the one
 * position of the last token (decode). The span's last position predicts the next token once it is
 * the sequence's last. Owned by the rank thread.
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
  private KvPool.Blocks blocks;
  private KvPool pool;
  private boolean degraded;
  private long admittedAt = -1;

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

  /** The KV positions this request may ever use: its prompt and every token it may generate. */
  public int positionsNeeded() {
    return promptLength + maxNewTokens;
  }

  /** Reserves its KV blocks in {@code kv}; false (nothing reserved) if they are not free now. */
  public boolean reserve(KvPool kv) {
    if (blocks != null) {
      return true;
    }
    blocks = kv.allocate(positionsNeeded()).orElse(null);
    pool = blocks == null ? null : kv;
    return blocks != null;
  }

  /**
   * Records that the request joined the batch before step {@code step}; until its next token it is
   * waiting for one.
   */
  public void admitted(long step) {
    admittedAt = step;
  }

  /**
   * Steps from its admission to now, counting step {@code step} that produced a token, once after
   * each admission (then -1).
   */
  public long stepsSinceAdmission(long step) {
    if (admittedAt < 0) {
      return -1;
    }
    long steps = step - admittedAt + 1;
    admittedAt = -1;
    return steps;
  }

  /** Positions from the next step's start to the sequence's end (1 for a decoder). */
  public int remaining() {
    return length - position;
  }

  /** The position the next step starts at. */
  public int position() {
    return position;
  }

  /** The token at {@code position() + i}. */
  public int input(int i) {
    return seq[position + i];
  }

  /** The KV pool row of position {@code p}. */
  public int row(int p) {
    return blocks.row(p);
  }

  /** The KV block holding position {@code p}. */
  public int block(int p) {
    return blocks.block(p);
  }

  /** True if computing {@code span} positions from here predicts a new output token. */
  public boolean producesToken(int span) {
    return position + span == length;
  }

  /** Index (among generated tokens) of the token the sequence's last position predicts. */
  public int outputIndex() {
    return length - promptLength;
  }

  /**
   * Accepts a step that computed {@code span} positions, whose last predicted {@code token} if it
   * was the sequence's last.
   */
  public void advance(int span, int token) {
    boolean produced = producesToken(span);
    position += span;
    if (produced) {
      seq[length++] = token;
    }
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

  /** Returns its KV blocks. */
  public void close() {
    if (blocks != null) {
      pool.free(blocks);
      blocks = null;
      pool = null;
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
