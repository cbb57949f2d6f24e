package org.eep.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a deterministic checkpoint ({@code config.json}, {@code model.safetensors} with Hugging
 * Face names, and a matching {@code tokenizer.json}) for a {@link MoeConfig}: the same config and
 * seed give identical bytes. Weights are drawn per tensor from a generator seeded by (seed, tensor
 * name), so any tensor can be regenerated alone.
 */
public final class CheckpointGenerator {
  public static final String WEIGHTS = "model.safetensors";

  private CheckpointGenerator() {}

  /** Generates into {@code dir} (created if needed); {@code progress} gets lines of progress. */
  public static void generate(MoeConfig config, long seed, Path dir, Consumer<String> progress)
      throws IOException {
    generate(config, seed, 0, dir, progress);
  }

  /**
   * Generates with router skew {@code skew} (0: none, the same bytes as {@link #generate(MoeConfig,
   * long, Path, Consumer)}). With {@code skew = S > 0} the routers prefer experts Zipf-like: two
   * hidden dimensions carry a constant for the tokens of the lower and of the upper half of the
   * vocabulary, and every router reads them as a per-expert bias of {@code -2 S ln(1 + p)} for the
   * expert of popularity rank {@code p} (ranks drawn from the seed; the upper half's order is the
   * lower half's reversed). Prompts from one half then load a few experts heavily; switching halves
   * moves the load to other experts. Popularity is approximate: attention and earlier layers add to
   * the carrier dimensions, so measure the load, do not assume it.
   */
  public static void generate(
      MoeConfig config, long seed, double skew, Path dir, Consumer<String> progress)
      throws IOException {
    if (!(skew >= 0) || skew > 10) {
      throw new IllegalArgumentException("router skew must be in [0, 10], got " + skew);
    }
    Files.createDirectories(dir);
    config.write(dir);
    TokenizerGenerator.write(config, dir);
    Map<String, long[]> layout = ModelLayout.all(config);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList list = new NDList();
      int done = 0;
      for (Map.Entry<String, long[]> t : layout.entrySet()) {
        float[] v = values(config, seed, t.getKey(), t.getValue());
        if (skew > 0) {
          skew(config, seed, skew, t.getKey(), v);
        }
        NDArray a = manager.create(v, new Shape(t.getValue()));
        a.setName(t.getKey());
        list.add(a);
        if (++done % 500 == 0) {
          progress.accept("generated " + done + "/" + layout.size() + " tensors");
        }
      }
      Path tmp = dir.resolve(WEIGHTS + ".tmp");
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        list.encode(os, NDList.Encoding.SAFETENSORS);
      }
      Files.move(tmp, dir.resolve(WEIGHTS), StandardCopyOption.REPLACE_EXISTING);
    }
    progress.accept(
        "wrote "
            + dir.resolve(WEIGHTS)
            + " ("
            + layout.size()
            + " tensors, "
            + Files.size(dir.resolve(WEIGHTS)) / 1024
            + " KiB)");
  }

  /** The constant the carrier dimensions hold for the tokens that carry it. */
  private static final float CARRIER = 4f;

  /** Writes the router-skew carriers into the embedding and the per-expert biases into routers. */
  private static void skew(MoeConfig c, long seed, double s, String name, float[] v) {
    int h = c.hiddenSize();
    int lower = h - 2;
    int upper = h - 1;
    if (name.equals(TensorNames.EMBED)) {
      int vocab = c.vocabSize();
      for (int t = 0; t < vocab; t++) {
        v[t * h + lower] = t < vocab / 2 ? CARRIER : 0;
        v[t * h + upper] = t < vocab / 2 ? 0 : CARRIER;
      }
    } else if (name.endsWith(TensorNames.ROUTER)) {
      int experts = c.numExperts();
      int[] rank = popularityRanks(experts, seed);
      for (int e = 0; e < experts; e++) {
        v[e * h + lower] = (float) (-2 * s * Math.log1p(rank[e]) / CARRIER);
        v[e * h + upper] = (float) (-2 * s * Math.log1p(experts - 1 - rank[e]) / CARRIER);
      }
    }
  }

  /** Each expert's popularity rank (0: most popular), a permutation drawn from {@code seed}. */
  public static int[] popularityRanks(int experts, long seed) {
    int[] rank = new int[experts];
    for (int e = 0; e < experts; e++) {
      rank[e] = e;
    }
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EEDL);
    for (int i = experts - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = rank[i];
      rank[i] = rank[j];
      rank[j] = t;
    }
    return rank;
  }

  /** The deterministic values of one tensor. */
  static float[] values(MoeConfig c, long seed, String name, long[] shape) {
    int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    float[] v = new float[n];
    if (shape.length == 1) {
      for (int i = 0; i < n; i++) {
        v[i] = (float) (1.0 + 0.1 * rnd.nextGaussian());
      }
      return v;
    }
    double std;
    if (name.equals(TensorNames.EMBED) || name.equals(TensorNames.LM_HEAD)) {
      std = 1.0;
    } else if (name.endsWith(TensorNames.ROUTER)) {
      std = 2.0 / Math.sqrt(c.hiddenSize());
    } else {
      std = 1.0 / Math.sqrt(shape[1]);
    }
    for (int i = 0; i < n; i++) {
      v[i] = (float) (std * rnd.nextGaussian());
    }
    return v;
  }
}
