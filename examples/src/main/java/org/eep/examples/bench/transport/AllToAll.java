package org.eep.examples.bench.transport;

/**
 * One way of running the benchmark's traffic among {@code ranks} ranks in this JVM: per round,
 * every rank sends one {@code payloadBytes} message to every peer and receives one from each, twice
 * (dispatch, then combine). Rounds continue numbering across calls. Not thread-safe: one caller.
 */
abstract class AllToAll implements AutoCloseable {
  private final RankThreads threads;
  private long nextRound;

  /** One thread per rank, called {@code threadPrefix} followed by the rank. */
  AllToAll(String threadPrefix, int ranks) {
    this.threads = new RankThreads(threadPrefix, ranks);
  }

  /**
   * Runs {@code rounds} rounds on every rank at once; returns the wall time, in nanoseconds, until
   * the last rank finished.
   */
  final long run(int rounds) throws Exception {
    long first = nextRound;
    nextRound += rounds;
    return threads.run(rank -> rounds(rank, first, first + rounds));
  }

  /** Rank {@code rank}'s part of rounds {@code first} (inclusive) to {@code end} (exclusive). */
  abstract void rounds(int rank, long first, long end) throws Exception;

  /** Releases what the ranks communicate through; the rank threads are stopped by then. */
  abstract void release();

  @Override
  public final void close() {
    threads.close();
    release();
  }
}
