package org.eep.examples.demo;

import java.util.Arrays;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;

/**
 * One submitted request as the client saw it: when it was submitted, every streamed token with the
 * time it arrived, stream-order errors (an index repeated, skipped or out of order), and how it
 * ended. Thread-safe.
 */
public final class RequestRecord {
  /** How a request ended. */
  public enum Outcome {
    /** Still in flight. */
    PENDING,
    /** Completed with a result. */
    COMPLETED,
    /** Accepted, then failed (lost). */
    FAILED,
    /** Refused by {@code submit} itself. */
    REJECTED
  }

  private final int index;
  private final GenerationRequest request;
  private final long submitNanos;
  private final int[] streamed;
  private final long[] tokenNanos;
  private int count;
  private int streamErrors;
  private Outcome outcome = Outcome.PENDING;
  private GenerationResult result;
  private String failure;
  private long endNanos;

  RequestRecord(int index, GenerationRequest request, long submitNanos) {
    this.index = index;
    this.request = request;
    this.submitNanos = submitNanos;
    this.streamed = new int[request.maxNewTokens()];
    this.tokenNanos = new long[request.maxNewTokens()];
  }

  public int index() {
    return index;
  }

  public GenerationRequest request() {
    return request;
  }

  public long submitNanos() {
    return submitNanos;
  }

  synchronized void onToken(int tokenIndex, int token, long nanos) {
    if (tokenIndex != count || count >= streamed.length) {
      streamErrors++;
      return;
    }
    streamed[count] = token;
    tokenNanos[count] = nanos;
    count++;
  }

  synchronized void completed(GenerationResult r, long nanos) {
    outcome = Outcome.COMPLETED;
    result = r;
    endNanos = nanos;
  }

  synchronized void failed(Throwable t, long nanos, boolean atSubmit) {
    outcome = atSubmit ? Outcome.REJECTED : Outcome.FAILED;
    failure = String.valueOf(t.getMessage());
    endNanos = nanos;
  }

  public synchronized Outcome outcome() {
    return outcome;
  }

  public synchronized GenerationResult result() {
    return result;
  }

  public synchronized String failure() {
    return failure;
  }

  public synchronized long endNanos() {
    return endNanos;
  }

  /** Tokens streamed to the listener so far, in index order. */
  public synchronized int[] streamedTokens() {
    return Arrays.copyOf(streamed, count);
  }

  /** Arrival times ({@link System#nanoTime}) of the streamed tokens. */
  public synchronized long[] streamedNanos() {
    return Arrays.copyOf(tokenNanos, count);
  }

  /**
   * Stream errors: indices that arrived repeated, skipped or out of order, plus a final stream that
   * differs from the result's tokens.
   */
  public synchronized int streamErrors() {
    int e = streamErrors;
    if (outcome == Outcome.COMPLETED
        && !Arrays.equals(result.tokens(), Arrays.copyOf(streamed, count))) {
      e++;
    }
    return e;
  }
}
