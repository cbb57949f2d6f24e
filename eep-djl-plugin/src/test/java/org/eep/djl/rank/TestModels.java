package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.eep.djl.model.ReferenceCheck;
import org.eep.djl.model.ReferenceModel;
import org.eep.djl.request.GenerationRequest;

/** The tiny checkpoint, generated once per test JVM, its reference outputs, and request mixes. */
final class TestModels {
  private static Path tiny;
  private static Path skewed;
  private static final Map<String, ReferenceModel.Result> EXPECTED = new HashMap<>();
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private TestModels() {}

  static synchronized Path tiny() {
    if (tiny == null) {
      tiny = generated("eep-tiny", 0);
    }
    return tiny;
  }

  /** The tiny preset with router skew 1.2 (a few experts take most tokens), generated once. */
  static synchronized Path skewed() {
    if (skewed == null) {
      skewed = generated("eep-tiny-skewed", 1.2);
    }
    return skewed;
  }

  private static Path generated(String prefix, double skew) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      CheckpointGenerator.generate(Preset.TINY.config(), 42, skew, dir, s -> {});
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String freshInstance(String prefix) {
    return prefix + "-" + INSTANCES.incrementAndGet();
  }

  /** {@code n} requests with prompts of 1..12 tokens and 2..14 new tokens, seeded. */
  static List<GenerationRequest> requests(int n, long seed) {
    return requests(n, seed, rnd -> 2 + rnd.nextInt(13));
  }

  /** {@code n} seeded requests of short prompts and exactly {@code newTokens} new tokens each. */
  static List<GenerationRequest> requests(int n, long seed, int newTokens) {
    return requests(n, seed, rnd -> newTokens);
  }

  private static List<GenerationRequest> requests(
      int n, long seed, ToIntFunction<Random> newTokens) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] prompt = rnd.ints(1 + rnd.nextInt(12), 0, 512).toArray();
      out.add(new GenerationRequest("req-" + seed + "-" + i, prompt, newTokens.applyAsInt(rnd)));
    }
    return out;
  }

  /** The reference tokens for {@code r} (cached). */
  static ReferenceModel.Result expected(GenerationRequest r) {
    return expected(tiny(), r);
  }

  /** The reference tokens of the model in {@code model} for {@code r} (cached). */
  static synchronized ReferenceModel.Result expected(Path model, GenerationRequest r) {
    String key = model + ":" + java.util.Arrays.toString(r.prompt()) + "/" + r.maxNewTokens();
    return EXPECTED.computeIfAbsent(
        key,
        k -> {
          try (NDManager m = NDManager.newBaseManager();
              ReferenceModel ref = ReferenceModel.load(model, m)) {
            return ref.generate(r.prompt(), r.maxNewTokens());
          }
        });
  }

  private static final AtomicInteger NEAR_TIES = new AtomicInteger();

  /**
   * Asserts {@code produced} are the reference's tokens for {@code r}, up to a near tie (counted
   * and printed, never hidden; see {@link ReferenceCheck}).
   */
  static void assertMatchesReference(GenerationRequest r, int[] produced) {
    assertMatchesReference(tiny(), r, produced);
  }

  /**
   * As {@link #assertMatchesReference(GenerationRequest, int[])} for the model in {@code model}.
   */
  static void assertMatchesReference(Path model, GenerationRequest r, int[] produced) {
    ReferenceCheck check = ReferenceCheck.of(expected(model, r), produced);
    if (check.verdict() == ReferenceCheck.Verdict.NEAR_TIE) {
      System.out.printf(
          "near tie: %s token %d (reference margin %.2e); %d so far in this JVM%n",
          r.id(), check.firstDifference(), check.margin(), NEAR_TIES.incrementAndGet());
    }
    assertThat(check.acceptable())
        .as(
            "%s: %s at token %d (margin %s)",
            r.id(), check.verdict(), check.firstDifference(), check.margin())
        .isTrue();
  }
}
