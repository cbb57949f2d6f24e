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
    Files.createDirectories(dir);
    config.write(dir);
    TokenizerGenerator.write(config, dir);
    Map<String, long[]> layout = ModelLayout.all(config);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList list = new NDList();
      int done = 0;
      for (Map.Entry<String, long[]> t : layout.entrySet()) {
        NDArray a =
            manager.create(values(config, seed, t.getKey(), t.getValue()), new Shape(t.getValue()));
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
