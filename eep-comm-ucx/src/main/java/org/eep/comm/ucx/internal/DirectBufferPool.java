package org.eep.comm.ucx.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers that UCX sends from and receives into. Reusing them matters beyond allocation
 * cost: a fresh buffer is fresh memory to UCX too (its memory-type cache and registration cache see
 * new address ranges; rendezvous receives into fresh buffers ran 5 to 10 times slower than into
 * reused ones here).
 *
 * <p>Capacities are a power of two between {@value #MIN_CLASS_BYTES} and {@value #MAX_CLASS_BYTES}
 * bytes plus {@value #SLACK} bytes, so that a frame (header, a power-of-two payload and, with
 * {@code eep_secret}, its authentication tag) fits its class. Each class keeps about {@value
 * #IDLE_BYTES_PER_CLASS} bytes of idle buffers (at least two, at most {@value
 * #MAX_IDLE_PER_CLASS}); larger requests get an unpooled buffer. Thread-safe.
 */
final class DirectBufferPool {
  static final int MIN_CLASS_BYTES = 1 << 10;
  static final int MAX_CLASS_BYTES = 1 << 24;
  static final int SLACK = 128;
  static final int IDLE_BYTES_PER_CLASS = 8 << 20;
  static final int MAX_IDLE_PER_CLASS = 64;
  private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_CLASS_BYTES);
  private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_CLASS_BYTES) - MIN_SHIFT + 1;

  private final SizeClass[] classes = new SizeClass[CLASSES];

  DirectBufferPool() {
    for (int i = 0; i < CLASSES; i++) {
      classes[i] = new SizeClass((MIN_CLASS_BYTES << i) + SLACK);
    }
  }

  /** A direct buffer at position 0 whose limit is {@code bytes}. */
  ByteBuffer acquire(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes < 0: " + bytes);
    }
    if (bytes > MAX_CLASS_BYTES + SLACK) {
      return ByteBuffer.allocateDirect(bytes);
    }
    return classes[classOf(bytes)].take().clear().limit(bytes);
  }

  /** Returns a buffer from {@link #acquire} once nothing reads or writes it any more. */
  void release(ByteBuffer buffer) {
    int payloadCapacity = buffer.capacity() - SLACK;
    if (payloadCapacity < MIN_CLASS_BYTES
        || payloadCapacity > MAX_CLASS_BYTES
        || Integer.bitCount(payloadCapacity) != 1) {
      return;
    }
    classes[Integer.numberOfTrailingZeros(payloadCapacity) - MIN_SHIFT].give(buffer);
  }

  /** The class whose capacity is the smallest that holds {@code bytes}. */
  static int classOf(int bytes) {
    int payload = bytes - SLACK;
    if (payload <= MIN_CLASS_BYTES) {
      return 0;
    }
    return 32 - Integer.numberOfLeadingZeros(payload - 1) - MIN_SHIFT;
  }

  private static final class SizeClass {
    private final int capacity;
    private final int maxIdle;
    private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    SizeClass(int capacity) {
      this.capacity = capacity;
      this.maxIdle = Math.max(2, Math.min(MAX_IDLE_PER_CLASS, IDLE_BYTES_PER_CLASS / capacity));
    }

    ByteBuffer take() {
      ByteBuffer b = idle.poll();
      if (b == null) {
        return ByteBuffer.allocateDirect(capacity);
      }
      idleCount.decrementAndGet();
      return b;
    }

    void give(ByteBuffer b) {
      if (idleCount.incrementAndGet() > maxIdle) {
        idleCount.decrementAndGet();
        return;
      }
      idle.add(b);
    }
  }
}
