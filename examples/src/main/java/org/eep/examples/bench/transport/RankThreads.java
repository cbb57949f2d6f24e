package org.eep.examples.bench.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eep.examples.DaemonThreads;

/**
 * One thread per rank; {@link #run} starts every rank's work at once and times it to the last
 * finish.
 */
final class RankThreads implements AutoCloseable {
  /** One rank's share of a run. */
  @FunctionalInterface
  interface RankWork {
    void run(int rank) throws Exception;
  }

  private final int ranks;
  private final ExecutorService pool;

  RankThreads(String name, int ranks) {
    this.ranks = ranks;
    this.pool = Executors.newFixedThreadPool(ranks, DaemonThreads.numbered(name));
  }

  long run(RankWork work) throws Exception {
    CountDownLatch ready = new CountDownLatch(ranks);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Long>> done = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      int rank = r;
      done.add(
          pool.submit(
              () -> {
                ready.countDown();
                go.await();
                work.run(rank);
                return System.nanoTime();
              }));
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    long last = start;
    for (Future<Long> f : done) {
      try {
        last = Math.max(last, f.get());
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception ex ? ex : e;
      }
    }
    return last - start;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
