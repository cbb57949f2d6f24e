package org.eep.djl.step;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where a rank's step time goes: dense compute (attention, routing, head), communication, experts;
 * how many expert slots its steps used (a slot with at least one row in a layer counts once), which
 * with the steps counted gives the expert weights a step touches, and how many token rows its
 * experts computed. Written by the rank thread, read from any thread.
 */
public final class StepTimings {
  private final LongAdder denseNanos = new LongAdder();
  private final LongAdder commNanos = new LongAdder();
  private final LongAdder expertNanos = new LongAdder();
  private final LongAdder slotsUsed = new LongAdder();
  private final LongAdder expertRows = new LongAdder();
  private final LongAdder steps = new LongAdder();

  /** Adds one layer's time to each share (called by the step). */
  public void add(long dense, long comm, long expert) {
    denseNanos.add(dense);
    commNanos.add(comm);
    expertNanos.add(expert);
  }

  /** Counts one layer's used expert slots and the token rows its experts computed. */
  public void addExpertWork(int slots, int rows) {
    slotsUsed.add(slots);
    expertRows.add(rows);
  }

  /**
   * Token rows this rank's experts computed (a token's choice routed here counts once per layer):
   * its share of the expert load.
   */
  public long expertRows() {
    return expertRows.sum();
  }

  /** Counts a completed step. */
  public void addStep() {
    steps.increment();
  }

  /** Expert slots used, summed over layers and steps. */
  public long slotsUsed() {
    return slotsUsed.sum();
  }

  /** Steps timed. */
  public long steps() {
    return steps.sum();
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
