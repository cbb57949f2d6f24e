package org.eep.djl.wire;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The COMBINE payload: the expert outputs a rank sends back to the owner of the rows it was
 * dispatched, in the order they came ({@code float32[count, h]}, little-endian; the owner knows
 * {@code count}). Straight from and into tensor memory. Stateless.
 */
public final class CombineCodec {
  private CombineCodec() {}

  /** The payload of {@code outputs} {@code [count, h]} (no parts when there are none). */
  public static ByteBuffer[] encode(NDArray outputs, int count) {
    return count == 0 ? new ByteBuffer[0] : new ByteBuffer[] {outputs.toByteBuffer(true)};
  }

  /**
   * The {@code count} rows of width {@code h} in {@code payload}, in {@code scratch}; null when
   * {@code count} is 0.
   */
  public static NDArray decode(ByteBuffer payload, int count, int h, NDManager scratch) {
    if (count == 0) {
      return null;
    }
    return Tensors.wrap(payload.duplicate().order(ByteOrder.LITTLE_ENDIAN), count, h, scratch);
  }
}
