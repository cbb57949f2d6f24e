package org.eep.djl.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.eep.djl.model.MoeConfig;

/**
 * The rotary embedding's cos and sin for every position, computed once per rank: {@code
 * [maxPositions, headDim]} each, in the rotate-half layout (entry {@code i} and {@code i +
 * headDim/2} share a frequency). A step gathers the rows of its tokens' positions.
 */
public final class RopeTables {
  private final NDArray cos;
  private final NDArray sin;

  public RopeTables(MoeConfig c, NDManager manager) {
    int d = c.headDim();
    int half = d / 2;
    int n = c.maxPositions();
    float[] cosv = new float[n * d];
    float[] sinv = new float[n * d];
    for (int p = 0; p < n; p++) {
      for (int i = 0; i < half; i++) {
        double angle = p * Math.pow(c.ropeTheta(), -2.0 * i / d);
        cosv[p * d + i] = cosv[p * d + i + half] = (float) Math.cos(angle);
        sinv[p * d + i] = sinv[p * d + i + half] = (float) Math.sin(angle);
      }
    }
    this.cos = manager.create(cosv, new Shape(n, d));
    this.sin = manager.create(sinv, new Shape(n, d));
  }

  /** Cosines, {@code [maxPositions, headDim]}. */
  public NDArray cos() {
    return cos;
  }

  /** Sines, {@code [maxPositions, headDim]}. */
  public NDArray sin() {
    return sin;
  }
}
