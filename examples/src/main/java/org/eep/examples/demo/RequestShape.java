package org.eep.examples.demo;

/**
 * The mix of generated requests: prompt lengths and new-token counts are drawn uniformly from these
 * inclusive ranges, prompt tokens uniformly from the vocabulary.
 */
public record RequestShape(int minPrompt, int maxPrompt, int minNewTokens, int maxNewTokens) {
  /** Short and long prompts, short and long answers. */
  public static final RequestShape MIXED = new RequestShape(1, 48, 4, 48);

  public RequestShape {
    if (minPrompt < 1 || maxPrompt < minPrompt || minNewTokens < 1 || maxNewTokens < minNewTokens) {
      throw new IllegalArgumentException(
          "need 1 <= minPrompt <= maxPrompt and 1 <= minNewTokens <= maxNewTokens, got " + this);
    }
  }

  /** Positions a request of this shape may need at most. */
  public int maxPositions() {
    return maxPrompt + maxNewTokens;
  }
}
