package org.eep.examples.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.ModelLayout;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./eep model generate --preset tiny|small|demo --out DIR [--seed N]}: writes a
 * deterministic Qwen3-MoE-style checkpoint ({@code config.json} + {@code model.safetensors},
 * Hugging Face tensor names) with progress lines.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Write a deterministic MoE checkpoint (config.json + model.safetensors) for a preset.")
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--preset", required = true, description = "tiny, small, demo or large (1.6 GB).")
  String preset;

  @Option(names = "--out", required = true, description = "Directory to write (created if needed).")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description =
          "Weights seed; the same preset and seed give identical bytes (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--router-skew",
      defaultValue = "0",
      description =
          "Zipf-like expert popularity S in [0, 10]: the routers of tokens from the lower half of"
              + " the vocabulary prefer a few experts, the upper half's others (0: none, default).")
  double routerSkew;

  @Override
  public Integer call() throws Exception {
    if (!(routerSkew >= 0) || routerSkew > 10) {
      System.err.println("eep model generate: --router-skew " + routerSkew + " is outside [0, 10]");
      return 2;
    }
    // Progress lines only: DJL's engine start-up chatter (and its CUDA probe on CPU machines) is
    // not for this command.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
    }
    Preset p;
    try {
      p = Preset.of(preset);
    } catch (IllegalArgumentException e) {
      System.err.println("eep model generate: " + e.getMessage());
      return 2;
    }
    MoeConfig c = p.config();
    long params =
        ModelLayout.all(c).values().stream()
            .mapToLong(
                s -> {
                  long n = 1;
                  for (long d : s) {
                    n *= d;
                  }
                  return n;
                })
            .sum();
    System.out.printf(
        Locale.ROOT,
        "generating preset %s (seed %d): %d layers, %d experts (top-%d), hidden %d, vocab %d; %d tensors, "
            + "%.1f M parameters, %.0f MiB -> %s%n",
        p.id(),
        seed,
        c.numLayers(),
        c.numExperts(),
        c.topK(),
        c.hiddenSize(),
        c.vocabSize(),
        ModelLayout.all(c).size(),
        params / 1e6,
        params * 4 / 1048576.0,
        out);
    long t0 = System.nanoTime();
    Files.createDirectories(out);
    CheckpointGenerator.generate(c, seed, routerSkew, out, line -> System.out.println("  " + line));
    System.out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
