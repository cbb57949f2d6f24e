package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.eep.api.comm.FrameCodec;
import org.junit.jupiter.api.Test;

class DirectBufferPoolTest {
  private static final int SLACK = DirectBufferPool.SLACK;

  @Test
  void aFrameOfAPowerOfTwoPayloadFitsThatClass() {
    DirectBufferPool pool = new DirectBufferPool();
    ByteBuffer b = pool.acquire(FrameCodec.frameSize(1 << 20));
    assertThat(b.isDirect()).isTrue();
    assertThat(b.capacity()).isEqualTo((1 << 20) + SLACK);
    assertThat(b.position()).isZero();
    assertThat(b.limit()).isEqualTo(FrameCodec.frameSize(1 << 20));
  }

  @Test
  void roundsUpToTheNextClass() {
    DirectBufferPool pool = new DirectBufferPool();
    assertThat(pool.acquire(0).capacity()).isEqualTo(DirectBufferPool.MIN_CLASS_BYTES + SLACK);
    assertThat(pool.acquire(1500).capacity()).isEqualTo(2048 + SLACK);
    assertThat(pool.acquire(2048 + SLACK + 1).capacity()).isEqualTo(4096 + SLACK);
    assertThat(pool.acquire(DirectBufferPool.MAX_CLASS_BYTES + SLACK).capacity())
        .isEqualTo(DirectBufferPool.MAX_CLASS_BYTES + SLACK);
  }

  @Test
  void reusesReleasedBuffersOfTheSameClass() {
    DirectBufferPool pool = new DirectBufferPool();
    ByteBuffer first = pool.acquire(3000);
    first.put((byte) 1);
    pool.release(first);
    ByteBuffer again = pool.acquire(4096);
    assertThat(again).isSameAs(first);
    assertThat(again.position()).isZero();
    assertThat(again.limit()).isEqualTo(4096);
    assertThat(pool.acquire(4096)).isNotSameAs(first);
  }

  @Test
  void keepsOnlyABoundedNumberOfIdleBuffers() {
    DirectBufferPool pool = new DirectBufferPool();
    int bytes = 1 << 20;
    int maxIdle = DirectBufferPool.IDLE_BYTES_PER_CLASS / (bytes + SLACK);
    ByteBuffer[] taken = new ByteBuffer[maxIdle + 3];
    for (int i = 0; i < taken.length; i++) {
      taken[i] = pool.acquire(bytes);
    }
    for (ByteBuffer b : taken) {
      pool.release(b);
    }
    int reused = 0;
    for (int i = 0; i < taken.length; i++) {
      ByteBuffer b = pool.acquire(bytes);
      for (ByteBuffer t : taken) {
        if (t == b) {
          reused++;
        }
      }
    }
    assertThat(reused).isEqualTo(maxIdle);
  }

  @Test
  void largerThanTheLargestClassAndForeignBuffersAreNotPooled() {
    DirectBufferPool pool = new DirectBufferPool();
    ByteBuffer big = pool.acquire(DirectBufferPool.MAX_CLASS_BYTES + SLACK + 1);
    assertThat(big.capacity()).isEqualTo(DirectBufferPool.MAX_CLASS_BYTES + SLACK + 1);
    pool.release(big);
    assertThat(pool.acquire(DirectBufferPool.MAX_CLASS_BYTES + SLACK + 1)).isNotSameAs(big);
    ByteBuffer foreign = ByteBuffer.allocateDirect(4096);
    pool.release(foreign);
    assertThat(pool.acquire(4096)).isNotSameAs(foreign);
  }

  @Test
  void classOfMapsSizesToClasses() {
    assertThat(DirectBufferPool.classOf(1)).isZero();
    assertThat(DirectBufferPool.classOf(1024 + SLACK)).isZero();
    assertThat(DirectBufferPool.classOf(1024 + SLACK + 1)).isEqualTo(1);
    assertThat(DirectBufferPool.classOf((1 << 24) + SLACK)).isEqualTo(14);
  }
}
