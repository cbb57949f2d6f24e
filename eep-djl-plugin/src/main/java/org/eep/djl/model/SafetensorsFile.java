package org.eep.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Random access to the tensors of a {@code .safetensors} file: parses the header once, then reads
 * only the byte ranges of the tensors asked for (a rank reads its expert slots and the dense
 * weights, not the whole model). Data types come from DJL's safetensors mapping ({@link
 * DataType#fromSafetensors}); the file itself is written by DJL's {@code NDList} encoder.
 * Thread-safe (positional reads).
 */
public final class SafetensorsFile implements AutoCloseable {
  /** One tensor's entry in the header. */
  public record Entry(String dtype, long[] shape, long begin, long end) {}

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Entry> entries = new HashMap<>();
  private final LongAdder bytesRead = new LongAdder();

  public SafetensorsFile(Path path) {
    this.path = path;
    if (!Files.isRegularFile(path)) {
      throw new CheckpointException(path + ": missing");
    }
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      if (channel.read(len, 0) != 8) {
        throw new CheckpointException(path + ": truncated (no header)");
      }
      long headerLen = len.flip().getLong();
      if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > channel.size()) {
        throw new CheckpointException(
            path + ": truncated or corrupt header (length " + headerLen + ")");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      channel.read(header, 8);
      dataStart = 8 + headerLen;
      JsonObject json =
          JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
              .getAsJsonObject();
      for (Map.Entry<String, JsonElement> e : json.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        JsonObject t = e.getValue().getAsJsonObject();
        long[] shape = new long[t.getAsJsonArray("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
        }
        var off = t.getAsJsonArray("data_offsets");
        entries.put(
            e.getKey(),
            new Entry(
                t.get("dtype").getAsString(),
                shape,
                off.get(0).getAsLong(),
                off.get(1).getAsLong()));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CheckpointException ce) {
        throw ce;
      }
      throw new CheckpointException(path + ": unreadable safetensors header: " + e.getMessage(), e);
    }
  }

  /**
   * Fails naming the first tensor that is missing, mis-shaped, not float32 or cut off by the end of
   * the file.
   */
  public void requireAll(Map<String, long[]> expected) {
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      throw new CheckpointException(path + ": " + e.getMessage(), e);
    }
    for (Map.Entry<String, long[]> want : expected.entrySet()) {
      Entry e = entries.get(want.getKey());
      String name = want.getKey();
      if (e == null) {
        throw new CheckpointException(path + ": tensor " + name + " is missing");
      }
      if (!Arrays.equals(e.shape(), want.getValue())) {
        throw new CheckpointException(
            path
                + ": tensor "
                + name
                + " has shape "
                + Arrays.toString(e.shape())
                + ", expected "
                + Arrays.toString(want.getValue()));
      }
      if (!"F32".equals(e.dtype())) {
        throw new CheckpointException(
            path + ": tensor " + name + " is " + e.dtype() + ", expected F32");
      }
      long elements = Arrays.stream(e.shape()).reduce(1, (a, b) -> a * b);
      if (e.end() - e.begin() != elements * Float.BYTES) {
        throw new CheckpointException(
            path
                + ": tensor "
                + name
                + " has "
                + (e.end() - e.begin())
                + " bytes, expected "
                + elements * Float.BYTES);
      }
      if (dataStart + e.end() > size) {
        throw new CheckpointException(
            path
                + ": truncated: tensor "
                + name
                + " ends at byte "
                + (dataStart + e.end())
                + " but the file has "
                + size);
      }
    }
  }

  /** Reads one tensor (only its bytes) into {@code manager}. Call {@link #requireAll} first. */
  public NDArray read(NDManager manager, String name) {
    ByteBuffer buf = readBytes(name);
    Entry e = entries.get(name);
    NDArray a = manager.create(buf, new Shape(e.shape()), DataType.fromSafetensors(e.dtype()));
    a.setName(name);
    return a;
  }

  /**
   * Reads one tensor's bytes into a new direct little-endian buffer. Thread-safe (positional
   * reads).
   */
  private ByteBuffer readBytes(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new CheckpointException(path + ": tensor " + name + " is missing");
    }
    int len = Math.toIntExact(e.end() - e.begin());
    ByteBuffer buf = ByteBuffer.allocateDirect(len).order(ByteOrder.LITTLE_ENDIAN);
    try {
      long pos = dataStart + e.begin();
      while (buf.hasRemaining()) {
        int n = channel.read(buf, pos + buf.position());
        if (n < 0) {
          throw new CheckpointException(path + ": truncated while reading tensor " + name);
        }
      }
    } catch (IOException ex) {
      throw new CheckpointException(
          path + ": cannot read tensor " + name + ": " + ex.getMessage(), ex);
    }
    bytesRead.add(len);
    return buf.flip();
  }

  /** Bytes of tensor data read so far. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // read-only channel: nothing to flush
    }
  }
}
