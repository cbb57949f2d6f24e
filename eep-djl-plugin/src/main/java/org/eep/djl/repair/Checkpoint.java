package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.SafetensorsFile;

/**
 * A rank's handle on its model's checkpoint ({@code model.safetensors}), opened on first use and
 * kept for the rank's life, counting the bytes read through it (the dense weights at formation,
 * expert slots at formation and in repairs). Owned by one rank thread.
 */
public final class Checkpoint implements AutoCloseable {
  private final Path file;
  private SafetensorsFile open;

  public Checkpoint(Path modelDir) {
    this.file = requireNonNull(modelDir, "modelDir is null").resolve(CheckpointGenerator.WEIGHTS);
  }

  /** The open checkpoint (opened, and its header checked, on first use). */
  public synchronized SafetensorsFile file() {
    if (open == null) {
      open = new SafetensorsFile(file);
    }
    return open;
  }

  /** Bytes of tensor data read so far. */
  public synchronized long bytesRead() {
    return open == null ? 0 : open.bytesRead();
  }

  @Override
  public synchronized void close() {
    if (open != null) {
      open.close();
      open = null;
    }
  }
}
