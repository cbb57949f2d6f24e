package org.eep.it;

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
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.eep.djl.model.ReferenceCheck;
import org.eep.djl.model.ReferenceModel;
import org.eep.djl.request.GenerationRequest;

/** The tiny checkpoint (generated once per test JVM), request mixes, and their reference tokens. */
final class Models {
  private static Path tiny;
  private static Path skewed;
  private static final Map<String, ReferenceModel.Result> EXPECTED = new HashMap<>();

  private Models() {}

  static synchronized Path tiny() {
    if (tiny == null) {
      tiny = generated("eep-it-tiny", 0);
    }
    return tiny;
  }

  /** The tiny preset with router skew 1.2 (a few experts take most tokens), generated once. */
  static synchronized Path skewed() {
    if (skewed == null) {
      skewed = generated("eep-it-tiny-skewed", 1.2);
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

  static List<GenerationRequest> requests(int n, long seed, int minNew) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new GenerationRequest(
              "it-" + seed + "-" + i,
              rnd.ints(1 + rnd.nextInt(10), 0, 512).toArray(),
              minNew + rnd.nextInt(16)));
    }
    return out;
  }

  static int[] expected(GenerationRequest r) {
    return expected(tiny(), r);
  }

  /** The reference tokens of the model in {@code model} for {@code r} (cached). */
  static int[] expected(Path model, GenerationRequest r) {
    return reference(model, r).tokens();
  }

  /** The reference generation (tokens and logits) of the model in {@code model} for {@code r}. */
  static synchronized ReferenceModel.Result reference(Path model, GenerationRequest r) {
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

  /**
   * Compares {@code produced} with the reference by the project's rule ({@link ReferenceCheck}):
   * exact, or equal up to a near tie of the reference itself (printed, so it is counted, never
   * hidden).
   */
  static ReferenceCheck check(Path model, GenerationRequest r, int[] produced) {
    ReferenceCheck c = ReferenceCheck.of(reference(model, r), produced);
    if (c.verdict() == ReferenceCheck.Verdict.NEAR_TIE) {
      System.out.printf(
          "near tie in %s at token %d (logit margin %.2e)%n",
          r.id(), c.firstDifference(), c.margin());
    }
    return c;
  }
}
