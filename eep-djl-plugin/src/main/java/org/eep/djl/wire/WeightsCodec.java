package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One layer of one expert as a WEIGHTS message: the gate, up and down projections back to back
 * ({@code float32[3][hidden × intermediate]}, little-endian), the message's tag naming the target's
 * local slot and its layer field the layer. Stateless.
 */
public final class WeightsCodec {
  private WeightsCodec() {}

  /** Encodes the three projections, each {@code n} floats. */
  public static ByteBuffer encode(float[] gate, float[] up, float[] down) {
    int n = gate.length;
    ByteBuffer buf = ByteBuffer.allocate(3 * n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] w : new float[][] {gate, up, down}) {
      buf.asFloatBuffer().put(w, 0, n);
      buf.position(buf.position() + n * Float.BYTES);
    }
    return buf.flip();
  }

  /** The three projections of {@code n} floats each. */
  public static float[][] decode(ByteBuffer payload, int n) {
    ByteBuffer p = payload.order(ByteOrder.LITTLE_ENDIAN);
    float[][] w = new float[3][n];
    for (int i = 0; i < 3; i++) {
      p.asFloatBuffer().get(w[i]);
      p.position(p.position() + n * Float.BYTES);
    }
    return w;
  }
}
