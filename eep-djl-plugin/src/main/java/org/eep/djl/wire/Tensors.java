package org.eep.djl.wire;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/** Payload bytes as tensors. Stateless. */
final class Tensors {
  private Tensors() {}

  /**
   * The next {@code rows × cols} float32 values of {@code p} as a tensor in {@code scratch}: a view
   * of a direct buffer (no copy), else one copy. Fails if the payload is shorter or longer.
   */
  static NDArray wrap(ByteBuffer p, int rows, int cols, NDManager scratch) {
    long bytes = (long) rows * cols * Float.BYTES;
    if (p.remaining() != bytes) {
      throw new IllegalStateException(
          "payload has " + p.remaining() + " bytes of rows, expected " + bytes);
    }
    return scratch.create(p.slice().order(p.order()), new Shape(rows, cols), DataType.FLOAT32);
  }
}
