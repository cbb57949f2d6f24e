package org.eep.djl.engine;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.ReferenceModel;
import org.eep.djl.request.GenerationRequest;

/** The tiny checkpoint of an engine test class, its reference tokens, and the test options. */
final class EngineFixture {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private EngineFixture() {}

  /** A unique {@code eep_instance} name (instances share in-process fabrics by name). */
  static String freshInstance(String prefix) {
    return "engine-" + prefix + "-" + INSTANCES.incrementAndGet();
  }

  /** The options of a 2-rank in-process instance with fixed repair bandwidths. */
  static Map<String, Object> options(String instance) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("eep_max_ranks", 2);
    o.put("eep_transport", "local");
    o.put("eep_membership", "local");
    o.put("eep_instance", instance);
    o.put("eep_tier_bandwidth", "peer=1,host=2,disk=0.5");
    return o;
  }

  /** A copy of the checkpoint in {@code src} in a new directory under {@code parent}. */
  static Path copyModel(Path src, Path parent, String name) {
    try {
      Path dir = Files.createDirectories(parent.resolve(name));
      Files.copy(src.resolve(MoeConfig.FILE), dir.resolve(MoeConfig.FILE));
      Files.copy(
          src.resolve(CheckpointGenerator.WEIGHTS), dir.resolve(CheckpointGenerator.WEIGHTS));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code n} seeded requests with prompts of 1..8 tokens and 2..9 new tokens. */
  static List<GenerationRequest> requests(String idPrefix, int n, long seed) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] prompt = rnd.ints(1 + rnd.nextInt(8), 0, 512).toArray();
      out.add(new GenerationRequest(idPrefix + "-" + i, prompt, 2 + rnd.nextInt(8)));
    }
    return out;
  }

  /** The reference model's tokens for {@code r} on the checkpoint in {@code dir}. */
  static int[] expected(Path dir, GenerationRequest r) {
    try (NDManager m = NDManager.newBaseManager();
        ReferenceModel ref = ReferenceModel.load(dir, m)) {
      return ref.generate(r.prompt(), r.maxNewTokens()).tokens();
    }
  }
}
