package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eep.djl.rank.RankState;

/**
 * The one state of a rank incarnation ({@link RankState}), changed only by compare-and-set
 * transitions under this object's monitor, with waits for a state. A terminal state is never left;
 * {@link #stopping()} is what every loop of the rank checks. Thread-safe.
 */
public final class Lifecycle {
  private RankState state = RankState.NEW;
  private Throwable failure;

  public synchronized RankState state() {
    return state;
  }

  /** The error that put the rank in {@link RankState#FAILED}, or null. */
  public synchronized Throwable failure() {
    return failure;
  }

  /** True once a terminal state is reached: the rank thread unwinds. */
  public synchronized boolean stopping() {
    return state.isTerminal();
  }

  /**
   * Moves from {@code expected} to {@code next}; false (nothing changes) if the state is not {@code
   * expected}.
   */
  public synchronized boolean advance(RankState expected, RankState next) {
    if (state != expected) {
      return false;
    }
    state = next;
    notifyAll();
    return true;
  }

  /**
   * Enters the terminal state {@code next} unless a terminal state was reached first; true if it
   * did.
   */
  public synchronized boolean end(RankState next) {
    if (!next.isTerminal()) {
      throw new IllegalArgumentException(next + " is not terminal");
    }
    if (state.isTerminal()) {
      return false;
    }
    state = next;
    notifyAll();
    return true;
  }

  /** Enters {@link RankState#FAILED} with {@code cause}, unless already terminal. */
  public synchronized boolean fail(Throwable cause) {
    if (end(RankState.FAILED)) {
      failure = requireNonNull(cause, "cause is null");
      return true;
    }
    return false;
  }

  /**
   * Waits until the state satisfies {@code condition}; returns the state then (or when the timeout
   * passed).
   */
  public synchronized RankState await(Predicate<RankState> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(state)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return state;
  }
}
