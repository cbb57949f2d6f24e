package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.Test;

class KvPoolTest {

  @Test
  void blocksAreHandedOutWholeRefusedWhenShortAndReusedOnceFreed() {
    try (NDManager m = NDManager.newBaseManager();
        KvPool pool = new KvPool(Preset.TINY.config(), m, 100)) {
      assertThat(pool.capacity()).isEqualTo(112); // 7 blocks of 16
      KvPool.Blocks a = pool.allocate(40).orElseThrow(); // 3 blocks
      KvPool.Blocks b = pool.allocate(64).orElseThrow(); // 4 blocks
      assertThat(pool.freePositions()).isZero();
      assertThat(pool.allocate(1)).isEmpty();
      assertThat(a.capacity()).isEqualTo(48);
      // Positions map to distinct rows inside the request's own blocks.
      assertThat(a.row(0) / KvPool.BLOCK).isEqualTo(a.block(0));
      assertThat(a.row(17) - a.row(16)).isEqualTo(1);
      assertThat(a.block(33)).isNotIn(b.ids()[0], b.ids()[1], b.ids()[2], b.ids()[3]);
      pool.free(a);
      assertThat(pool.freePositions()).isEqualTo(48);
      assertThat(pool.allocate(48)).isPresent();
      assertThat(pool.allocate(1)).isEmpty();
    }
  }

  @Test
  void thePoolsTensorsAreAllocatedOnceWithTheBlockViewSharingTheirMemory() {
    try (NDManager m = NDManager.newBaseManager();
        KvPool pool = new KvPool(Preset.TINY.config(), m, 32)) {
      MoeConfig c = Preset.TINY.config();
      assertThat(pool.keys(0).getShape().getShape())
          .containsExactly(c.numKvHeads(), 32, c.headDim());
      assertThat(pool.keyBlocks(0).getShape().getShape())
          .containsExactly(c.numKvHeads(), 2, KvPool.BLOCK, c.headDim());
      pool.keys(0).set(new NDIndex("1, 17, 3"), 5f);
      assertThat(pool.keyBlocks(0).getFloat(1, 1, 1, 3)).isEqualTo(5f);
    }
  }
}
