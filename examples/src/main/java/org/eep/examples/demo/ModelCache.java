package org.eep.examples.demo;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;

/**
 * Generated checkpoints, made once per (preset, seed) under {@code $XDG_CACHE_HOME/eep/models}
 * (default {@code ~/.cache/eep/models}), e.g. {@code demo-42}. A checkpoint is generated into a
 * temporary directory and moved into place whole, so an interrupted generation leaves nothing half
 * written behind.
 */
public final class ModelCache {
  private ModelCache() {}

  /** The cache root: {@code $XDG_CACHE_HOME/eep/models} or {@code ~/.cache/eep/models}. */
  public static Path root() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("eep").resolve("models");
  }

  /**
   * The directory of {@code preset} generated with {@code seed}, generated first if missing; {@code
   * progress} gets lines.
   */
  public static Path ensure(Preset preset, long seed, Consumer<String> progress)
      throws IOException {
    return ensure(root(), preset, seed, progress);
  }

  /** As {@link #ensure(Preset, long, Consumer)} under {@code root}. */
  public static Path ensure(Path root, Preset preset, long seed, Consumer<String> progress)
      throws IOException {
    return ensure(root, preset, seed, 0, progress);
  }

  /**
   * As {@link #ensure(Preset, long, Consumer)} with router skew {@code skew} (see {@link
   * CheckpointGenerator#generate(MoeConfig, long, double, Path, Consumer)}).
   */
  public static Path ensure(Preset preset, long seed, double skew, Consumer<String> progress)
      throws IOException {
    return ensure(root(), preset, seed, skew, progress);
  }

  private static Path ensure(
      Path root, Preset preset, long seed, double skew, Consumer<String> progress)
      throws IOException {
    Path dir =
        root.resolve(
            preset.id()
                + "-"
                + seed
                + (skew > 0 ? "-skew" + String.format(Locale.ROOT, "%.2f", skew) : ""));
    if (isComplete(dir, preset.config())) {
      return dir;
    }
    Files.createDirectories(root);
    Path tmp = Files.createTempDirectory(root, preset.id() + "-" + seed + ".tmp");
    try {
      progress.accept(
          "generating model preset "
              + preset.id()
              + " (seed "
              + seed
              + ") into "
              + dir
              + " (first use only)");
      long t0 = System.nanoTime();
      CheckpointGenerator.generate(
          preset.config(),
          seed,
          skew,
          tmp,
          line -> progress.accept(line.replace(tmp.toString(), dir.toString())));
      if (Files.exists(dir)) {
        deleteTree(dir); // an incomplete or different checkpoint
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir);
      } catch (FileAlreadyExistsException e) {
        // Another process generated it meanwhile: same preset and seed, same bytes.
        if (!isComplete(dir, preset.config())) {
          throw e;
        }
      }
      progress.accept(
          String.format(Locale.ROOT, "model ready in %.1f s", (System.nanoTime() - t0) / 1e9));
      return dir;
    } finally {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
    }
  }

  private static boolean isComplete(Path dir, MoeConfig expected) {
    if (!Files.isRegularFile(dir.resolve(MoeConfig.FILE))
        || !Files.isRegularFile(dir.resolve(CheckpointGenerator.WEIGHTS))) {
      return false;
    }
    try {
      return MoeConfig.read(dir).equals(expected);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
