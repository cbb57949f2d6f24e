package org.eep.djl.step;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where a rank's step time goes: dense compute (attention, routing, head), communication, experts.
 */
public final class StepTimings {
  private final LongAdder denseNanos = new LongAdder();
  private final LongAdder commNanos = new LongAdder();
  private final LongAdder expertNanos = new LongAdder();

  /** Adds one layer's time to each share (called by the step). */
  public void add(long dense, long comm, long expert) {
    denseNanos.add(dense);
    commNanos.add(comm);
    expertNanos.add(expert);
  }

  public long denseNanos() {
    return denseNanos.sum();
  }

  /** Dispatch and combine, including waiting for peers. */
  public long commNanos() {
    return commNanos.sum();
  }

  public long expertNanos() {
    return expertNanos.sum();
  }
}
