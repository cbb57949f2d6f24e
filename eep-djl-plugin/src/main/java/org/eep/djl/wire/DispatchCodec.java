package org.eep.djl.wire;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The DISPATCH payload: the hidden rows a rank sends one peer for that peer's experts, in two
 * parts: {@code controlLength:int32, control:byte[controlLength], count:int32, slot:int32[count]}
 * (the step's control word, empty past the first layer, then the receiver's local slot of each
 * row), then the rows, {@code float32[count, h]} straight from tensor memory; little-endian.
 * Encoding copies nothing (the transport's send copies once); decoding wraps the rows of a direct
 * payload as a tensor without a copy. Stateless.
 */
public final class DispatchCodec {
  private DispatchCodec() {}

  /**
   * A decoded payload: the receiver's slot of each row, and the rows ({@code null} when there are
   * none).
   */
  public record Rows(int[] slots, NDArray rows, ByteBuffer control) {}

  /**
   * The parts of the payload carrying {@code control} and {@code rows} {@code [count, h]} to local
   * slots {@code slots} of the receiver.
   */
  public static ByteBuffer[] encode(int[] slots, NDArray rows, ByteBuffer control) {
    ByteBuffer c = control.duplicate();
    ByteBuffer head =
        ByteBuffer.allocate(Integer.BYTES * (2 + slots.length) + c.remaining())
            .order(ByteOrder.LITTLE_ENDIAN);
    head.putInt(c.remaining());
    head.put(c);
    head.putInt(slots.length);
    for (int s : slots) {
      head.putInt(s);
    }
    head.flip();
    return slots.length == 0
        ? new ByteBuffer[] {head}
        : new ByteBuffer[] {head, rows.toByteBuffer(true)};
  }

  /**
   * Decodes a payload made by {@code encode}; the rows (of width {@code h}) live in {@code
   * scratch}.
   */
  public static Rows decode(ByteBuffer payload, int h, NDManager scratch) {
    ByteBuffer p = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int controlLength = p.getInt();
    if (controlLength < 0 || controlLength > p.remaining()) {
      throw new IllegalArgumentException("malformed dispatch: control length " + controlLength);
    }
    ByteBuffer control = p.slice(p.position(), controlLength).order(ByteOrder.LITTLE_ENDIAN);
    p.position(p.position() + controlLength);
    int count = p.getInt();
    int[] slots = new int[count];
    for (int i = 0; i < count; i++) {
      slots[i] = p.getInt();
    }
    return new Rows(slots, count == 0 ? null : Tensors.wrap(p, count, h, scratch), control);
  }
}
