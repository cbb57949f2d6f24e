package org.eep.djl.step;

/** What one step produced for one request of the batch. */
public sealed interface RequestOutcome {

  /**
   * The token the last of the {@code positions} computed positions predicts (the span reached the
   * sequence's end); {@code degraded} if a chosen expert had no replica and was dropped from top-k;
   * {@code logits} when the request's listener wants them.
   */
  record Produced(int positions, int token, boolean degraded, float[] logits)
      implements RequestOutcome {}

  /**
   * A prefill chunk of {@code positions} positions was computed (0 when the step had no room for
   * the request); the sequence's end is not reached yet.
   */
  record Prefilled(int positions, boolean degraded) implements RequestOutcome {}

  /**
   * The request cannot be computed exactly: a chosen expert has no replica (under {@code refuse}).
   */
  record Refused(String reason) implements RequestOutcome {}
}
