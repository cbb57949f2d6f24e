package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.Test;

class ExpertStoreTest {
  private static final MoeConfig TINY = Preset.TINY.config();

  /** A tensor over a direct buffer of its own, as a checkpoint read makes it (no copy). */
  private static NDArray overBuffer(NDManager m, ByteBuffer buf, long rows, long cols, int seed) {
    for (int k = 0; buf.hasRemaining(); k++) {
      buf.putFloat((float) Math.sin(seed * 1000 + k));
    }
    buf.flip();
    return m.create(buf, new Shape(rows, cols), DataType.FLOAT32);
  }

  private static ByteBuffer direct(long rows, long cols) {
    return ByteBuffer.allocateDirect(Math.toIntExact(rows * cols * Float.BYTES))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void theStoreLayoutOwnsItsMemoryOnceTheCheckpointTensorsAreGone() {
    long h = TINY.hiddenSize();
    long i = TINY.moeIntermediateSize();
    ByteBuffer gate = direct(i, h);
    ByteBuffer up = direct(i, h);
    ByteBuffer down = direct(h, i);
    try (NDManager root = NDManager.newBaseManager();
        NDManager into = root.newSubManager()) {
      NDArray[] stored;
      float[] wantGateUp;
      float[] wantDown;
      try (NDManager read = root.newSubManager()) {
        NDArray g = overBuffer(read, gate, i, h, 1);
        NDArray u = overBuffer(read, up, i, h, 2);
        NDArray d = overBuffer(read, down, h, i, 3);
        stored = ExpertStore.storeLayout(g, u, d, into);
        wantGateUp = stored[0].toFloatArray();
        wantDown = stored[1].toFloatArray();
        assertThat(wantDown).containsExactly(d.transpose().toFloatArray());
      }
      // The read tensors are closed; their buffers' memory is free to be reused (here: at once).
      for (ByteBuffer b : new ByteBuffer[] {gate, up, down}) {
        b.clear();
        while (b.hasRemaining()) {
          b.putFloat(-7f);
        }
      }
      assertThat(stored[0].getShape()).isEqualTo(new Shape(h, 2 * i));
      assertThat(stored[1].getShape()).isEqualTo(new Shape(i, h));
      assertThat(stored[0].toFloatArray()).containsExactly(wantGateUp);
      assertThat(stored[1].toFloatArray()).containsExactly(wantDown);
    }
  }

  @Test
  void aWrittenSlotIsComputedAlikeByTheBatchedAndThePerSlotProduct() {
    long h = TINY.hiddenSize();
    long i = TINY.moeIntermediateSize();
    try (NDManager m = NDManager.newBaseManager()) {
      ExpertStore store = new ExpertStore(TINY, m, 4);
      for (int s = 0; s < 4; s++) {
        NDArray g = m.randomNormal(new Shape(i, h)).mul(0.1);
        NDArray u = m.randomNormal(new Shape(i, h)).mul(0.1);
        NDArray d = m.randomNormal(new Shape(h, i)).mul(0.1);
        store.write(0, s, g, u, d);
      }
      NDArray x = m.randomNormal(new Shape(8, h));
      // Every slot used twice: one batched product; one slot used once: products per slot.
      NDArray all = store.compute(0, x, new int[] {0, 1, 2, 3, 0, 1, 2, 3});
      NDArray alone = store.compute(0, x.get("4:5"), new int[] {0});
      assertThat(alone.get(0).allClose(all.get(4), 1e-5, 1e-6, false)).isTrue();
    }
  }
}
