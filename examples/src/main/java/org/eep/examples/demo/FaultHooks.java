package org.eep.examples.demo;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.eep.djl.rank.StepHooks;

/**
 * Step hooks that can freeze a rank in place, as {@code SIGSTOP} freezes a process: the rank thread
 * blocks at its next hook point (between steps or in the middle of a dispatch or combine) until
 * {@link #thaw} or an interrupt ({@code kill}, {@code close}). Thread-safe.
 */
public final class FaultHooks implements StepHooks {
  private final AtomicIntegerArray frozen;
  private final Object lock = new Object();

  public FaultHooks(int maxRanks) {
    this.frozen = new AtomicIntegerArray(maxRanks);
  }

  /** Rank {@code rank} blocks at its next hook point. */
  public void freeze(int rank) {
    frozen.set(rank, 1);
  }

  /** Lets rank {@code rank} run again. */
  public void thaw(int rank) {
    synchronized (lock) {
      frozen.set(rank, 0);
      lock.notifyAll();
    }
  }

  public void thawAll() {
    for (int r = 0; r < frozen.length(); r++) {
      thaw(r);
    }
  }

  public boolean isFrozen(int rank) {
    return frozen.get(rank) != 0;
  }

  @Override
  public void at(Point point, int rank, long step, int layer) {
    if (frozen.get(rank) == 0) {
      return;
    }
    synchronized (lock) {
      while (frozen.get(rank) != 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
