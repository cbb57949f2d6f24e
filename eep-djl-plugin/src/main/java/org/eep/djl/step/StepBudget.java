package org.eep.djl.step;

/**
 * How much one step computes: a prefilling request advances at most {@code prefillChunk} positions,
 * and the step computes at most {@code stepTokens} positions in all. Decoders (one position each)
 * are always taken; prefill chunks share what is left in batch order, so a long prompt never makes
 * a step that holds every decoder's next token wait for thousands of positions.
 */
public record StepBudget(int prefillChunk, int stepTokens) {
  public StepBudget {
    if (prefillChunk < 1) {
      throw new IllegalArgumentException("prefillChunk must be >= 1: " + prefillChunk);
    }
    if (stepTokens < 1) {
      throw new IllegalArgumentException("stepTokens must be >= 1: " + stepTokens);
    }
  }

  /**
   * The span of each request: decoders ({@code remaining[i] == 1}) 1, then prefills up to {@code
   * prefillChunk} while the step has room, in batch order; 0 for a request the step has no room
   * for.
   */
  public int[] spans(int[] remaining) {
    int[] spans = new int[remaining.length];
    int used = 0;
    for (int i = 0; i < remaining.length; i++) {
      if (remaining[i] <= 1) {
        spans[i] = 1;
        used++;
      }
    }
    for (int i = 0; i < remaining.length; i++) {
      if (remaining[i] > 1) {
        spans[i] = Math.max(0, Math.min(Math.min(prefillChunk, remaining[i]), stepTokens - used));
        used += spans[i];
      }
    }
    return spans;
  }
}
