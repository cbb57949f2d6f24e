package org.eep.examples.bench.throughput;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.eep.djl.request.GenerationRequest;

/**
 * A fixed, seeded request mix: prompt lengths uniform in {@code [minPrompt, maxPrompt]}, token ids
 * uniform over the vocabulary, {@code newTokens} generated each. The same seed gives the same
 * requests, so every configuration (and the HF baseline) serves the very same prompts.
 */
record RequestMix(String name, int minPrompt, int maxPrompt, int newTokens) {
  static final RequestMix SHORT = new RequestMix("short", 8, 64, 32);
  static final RequestMix LONG = new RequestMix("long", 256, 768, 32);

  static RequestMix of(String name) {
    return switch (name) {
      case "short" -> SHORT;
      case "long" -> LONG;
      default ->
          throw new IllegalArgumentException("Unknown mix '" + name + "'; known: short, long");
    };
  }

  /**
   * {@code n} requests of this mix over a vocabulary of {@code vocab} ids, seeded by {@code seed}.
   */
  List<GenerationRequest> requests(int n, int vocab, long seed, String idPrefix) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int length = minPrompt + rnd.nextInt(maxPrompt - minPrompt + 1);
      out.add(
          new GenerationRequest(
              idPrefix + "-" + i, rnd.ints(length, 0, vocab).toArray(), newTokens));
    }
    return out;
  }

  /** "prompts 8–64, 32 new tokens". */
  String describe() {
    return "prompts " + minPrompt + "–" + maxPrompt + ", " + newTokens + " new tokens";
  }
}
