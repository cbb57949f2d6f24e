package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The DISPATCH payload: the hidden rows a rank sends one peer for that peer's experts. {@code
 * count:int32, then per row token:int32 choice:int32 slot:int32 hidden:float32[h]}, little-endian.
 * Stateless.
 */
public final class DispatchCodec {
  private DispatchCodec() {}

  /** Receives one decoded row and its hidden vector (a fresh array). */
  @FunctionalInterface
  public interface Sink {
    void accept(Row row, float[] hidden);
  }

  /**
   * Encodes {@code rows}, each with its token's row of {@code hidden} ({@code [tokens, h]}
   * row-major).
   */
  public static ByteBuffer encode(List<Row> rows, float[] hidden, int h) {
    ByteBuffer buf =
        ByteBuffer.allocate(Integer.BYTES + rows.size() * (3 * Integer.BYTES + h * Float.BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(rows.size());
    for (Row r : rows) {
      buf.putInt(r.token()).putInt(r.choice()).putInt(r.slot());
      buf.asFloatBuffer().put(hidden, r.token() * h, h);
      buf.position(buf.position() + h * Float.BYTES);
    }
    return buf.flip();
  }

  /** Decodes a payload made by {@link #encode} into {@code sink}, row by row. */
  public static void decode(ByteBuffer payload, int h, Sink sink) {
    ByteBuffer p = payload.order(ByteOrder.LITTLE_ENDIAN);
    int count = p.getInt();
    for (int n = 0; n < count; n++) {
      Row row = new Row(p.getInt(), p.getInt(), p.getInt());
      float[] hidden = new float[h];
      p.asFloatBuffer().get(hidden);
      p.position(p.position() + h * Float.BYTES);
      sink.accept(row, hidden);
    }
  }
}
