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
import org.eep.djl.model.ReferenceModel;
import org.eep.djl.request.GenerationRequest;

/** The tiny checkpoint (generated once per test JVM), request mixes, and their reference tokens. */
final class Models {
  private static Path tiny;
  private static final Map<String, int[]> EXPECTED = new HashMap<>();

  private Models() {}

  static synchronized Path tiny() {
    if (tiny == null) {
      try {
        Path dir = Files.createTempDirectory("eep-it-tiny");
        CheckpointGenerator.generate(Preset.TINY.config(), 42, dir, s -> {});
        tiny = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tiny;
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

  static synchronized int[] expected(GenerationRequest r) {
    String key = java.util.Arrays.toString(r.prompt()) + "/" + r.maxNewTokens();
    return EXPECTED.computeIfAbsent(
        key,
        k -> {
          try (NDManager m = NDManager.newBaseManager();
              ReferenceModel ref = ReferenceModel.load(tiny(), m)) {
            return ref.generate(r.prompt(), r.maxNewTokens()).tokens();
          }
        });
  }
}
