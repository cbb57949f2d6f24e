package org.eep.djl.request;

import static java.util.Objects.requireNonNull;

/** A greedy generation request: prompt token ids and how many tokens to generate. Immutable. */
public record GenerationRequest(String id, int[] prompt, int maxNewTokens) {
  public GenerationRequest {
    requireNonNull(id, "id is null");
    requireNonNull(prompt, "prompt is null");
    prompt = prompt.clone();
  }

  @Override
  public int[] prompt() {
    return prompt.clone();
  }

  public int promptLength() {
    return prompt.length;
  }

  /** Token {@code i} of the prompt, without copying it. */
  public int promptToken(int i) {
    return prompt[i];
  }
}
