package org.eep.placement.repair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Measures the repair tiers once at start-up ({@code eep_tier_bandwidth=auto}): host = copying one
 * expert's bytes in memory; disk = reading that many bytes of the checkpoint; peer = the host
 * figure halved (a copy through the transport touches the bytes twice). The result is resolved once
 * per instance and handed to every rank, because all ranks must plan with the same numbers.
 */
public final class TierMeasurement {
  private TierMeasurement() {}

  /**
   * Bandwidths measured with {@code bytesPerExpert} (capped at 64 MiB) of memory copies and of
   * reads from the end of {@code checkpoint}; disk defaults to 0.5 GB/s if the file cannot be read.
   */
  public static TierBandwidths measure(Path checkpoint, long bytesPerExpert) {
    int bytes = (int) Math.min(bytesPerExpert, 64 << 20);
    byte[] src = new byte[bytes];
    byte[] dst = new byte[bytes];
    double host = best(3, () -> System.arraycopy(src, 0, dst, 0, bytes), bytes);
    double disk;
    try (FileChannel ch = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(bytes);
      long size = ch.size();
      disk = best(3, () -> readTail(ch, buf, size), bytes);
    } catch (IOException | UncheckedIOException e) {
      disk = 0.5e9;
    }
    return new TierBandwidths(host / 2, host, Math.min(disk, host));
  }

  private static void readTail(FileChannel ch, ByteBuffer buf, long size) {
    buf.clear();
    long pos = Math.max(0, size - buf.capacity());
    try {
      while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
        // keep reading
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
