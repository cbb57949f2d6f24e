package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The COMBINE payload: the expert outputs a rank sends back to the owner of the tokens. {@code
 * count:int32, then per row token:int32 choice:int32 output:float32[h]}, little-endian. Stateless.
 */
public final class CombineCodec {
  private CombineCodec() {}

  /** Encodes {@code outputs.get(i)} as the output for {@code rows.get(i)}. */
  public static ByteBuffer encode(List<Row> rows, List<float[]> outputs, int h) {
    ByteBuffer buf =
        ByteBuffer.allocate(Integer.BYTES + rows.size() * (2 * Integer.BYTES + h * Float.BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      buf.putInt(rows.get(i).token()).putInt(rows.get(i).choice());
      buf.asFloatBuffer().put(outputs.get(i), 0, h);
      buf.position(buf.position() + h * Float.BYTES);
    }
    return buf.flip();
  }

  /** Writes each decoded output into {@code into} at {@code (token * k + choice) * h}. */
  public static void decode(ByteBuffer payload, int h, int k, float[] into) {
    ByteBuffer p = payload.order(ByteOrder.LITTLE_ENDIAN);
    int count = p.getInt();
    for (int n = 0; n < count; n++) {
      int token = p.getInt();
      int choice = p.getInt();
      p.asFloatBuffer().get(into, (token * k + choice) * h, h);
      p.position(p.position() + h * Float.BYTES);
    }
  }
}
