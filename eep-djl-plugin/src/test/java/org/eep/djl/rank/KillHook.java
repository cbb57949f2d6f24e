package org.eep.djl.rank;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eep.djl.instance.EpCluster;

/** Kills one rank, once, when it reaches a point of a step at or after a given step. */
final class KillHook implements StepHooks {
  final AtomicReference<EpCluster> cluster = new AtomicReference<>();
  final CountDownLatch fired = new CountDownLatch(1);
  private final AtomicBoolean armed = new AtomicBoolean(true);
  private final int victim;
  private final Point point;
  private final long atStep;

  KillHook(int victim, Point point, long atStep) {
    this.victim = victim;
    this.point = point;
    this.atStep = atStep;
  }

  @Override
  public void at(Point p, int rank, long step, int layer) {
    if (rank == victim
        && p == point
        && step >= atStep
        && cluster.get() != null
        && armed.compareAndSet(true, false)) {
      cluster.get().kill(rank);
      fired.countDown();
    }
  }
}
