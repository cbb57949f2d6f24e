package org.eep.examples.demo;

import java.util.SplittableRandom;
import org.eep.djl.request.GenerationRequest;

/**
 * Deterministic requests: request {@code i} of a seed is always the same (prompt of random token
 * ids, mixed lengths), whatever order or thread asks for it.
 */
public final class RequestFactory {
  private final long seed;
  private final int vocabSize;
  private final RequestShape shape;

  public RequestFactory(long seed, int vocabSize, RequestShape shape) {
    this.seed = seed;
    this.vocabSize = vocabSize;
    this.shape = shape;
  }

  /** Request number {@code i}, id {@code req-i}. */
  public GenerationRequest request(int i) {
    SplittableRandom rnd =
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0xD1B54A32D192ED03L * (i + 1));
    int promptLength = rnd.nextInt(shape.minPrompt(), shape.maxPrompt() + 1);
    int[] prompt = new int[promptLength];
    for (int k = 0; k < promptLength; k++) {
      prompt[k] = rnd.nextInt(vocabSize);
    }
    return new GenerationRequest(
        "req-" + i, prompt, rnd.nextInt(shape.minNewTokens(), shape.maxNewTokens() + 1));
  }
}
