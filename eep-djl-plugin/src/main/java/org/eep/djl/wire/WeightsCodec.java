package org.eep.djl.wire;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One layer of one expert as a WEIGHTS message, in the expert store's layout: the fused gate-and-up
 * projection {@code float32[h, 2i]} then the down projection {@code float32[i, h]}, little-endian,
 * straight from the sender's slot tensors; the message's tag names the target's local slot and its
 * layer field the layer. Stateless.
 */
public final class WeightsCodec {
  private WeightsCodec() {}

  /**
   * The payload as tensors in {@code manager}, as they are stored: {@code [gateUp [h, 2i], down [i,
   * h]]}; views of a direct payload, else one copy.
   *
   * @throws IllegalStateException if the payload is not one layer of one expert of this shape
   */
  public static NDArray[] decode(
      ByteBuffer payload, int hidden, int intermediate, NDManager manager) {
    int gateUp = 2 * hidden * intermediate * Float.BYTES;
    int down = hidden * intermediate * Float.BYTES;
    ByteBuffer p = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (p.remaining() != gateUp + down) {
      throw new IllegalStateException(
          "weights payload has " + p.remaining() + " bytes, expected " + (gateUp + down));
    }
    ByteBuffer first = p.slice().limit(gateUp).order(ByteOrder.LITTLE_ENDIAN);
    p.position(p.position() + gateUp);
    ByteBuffer second = p.slice().order(ByteOrder.LITTLE_ENDIAN);
    return new NDArray[] {
      Tensors.wrap(first, hidden, 2 * intermediate, manager),
      Tensors.wrap(second, intermediate, hidden, manager)
    };
  }
}
