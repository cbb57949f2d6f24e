package org.eep.djl.runtime;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.placement.TierBandwidths;

/**
 * Measures the repair tiers once at start-up ({@code eep_tier_bandwidth=auto}): host = copying one
 * expert's bytes in memory; disk = reading that many bytes of the checkpoint; peer = the host
 * figure halved (a copy through the transport touches the bytes twice). The result is resolved once
 * per instance and handed to every rank, because all ranks must plan with the same numbers.
 */
public final class TierMeasurement {
  private TierMeasurement() {}

  public static TierBandwidths measure(Path modelDir, MoeConfig model) {
    int bytes = (int) Math.min(model.expertBytes() * model.numLayers(), 64 << 20);
    byte[] src = new byte[bytes];
    byte[] dst = new byte[bytes];
    double host = best(3, () -> System.arraycopy(src, 0, dst, 0, bytes), bytes);
    double disk;
    try (FileChannel ch = FileChannel.open(modelDir.resolve(CheckpointGenerator.WEIGHTS), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(bytes);
      long size = ch.size();
      disk = best(3, () -> {
        buf.clear();
        try {
          long pos = Math.max(0, size - bytes);
          while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
            // keep reading
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, bytes);
    } catch (java.io.IOException e) {
      disk = 0.5e9;
    }
    return new TierBandwidths(host / 2, host, Math.min(disk, host));
  }

  private static double best(int runs, Runnable r, long bytes) {
    long bestNanos = Long.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      r.run();
      bestNanos = Math.min(bestNanos, System.nanoTime() - t0);
    }
    return bytes / Math.max(bestNanos / 1e9, 1e-9);
  }
}
