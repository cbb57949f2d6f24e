package org.eep.examples.bench.transport;

/**
 * One way of running the benchmark's traffic among {@code ranks} ranks in this JVM: per round,
 * every rank sends one {@code payloadBytes} message to every peer and receives one from each, twice
 * (dispatch, then combine). Rounds continue numbering across calls. Not thread-safe: one caller.
 */
interface AllToAll extends AutoCloseable {

  /**
   * Runs {@code rounds} rounds on every rank at once; returns the wall time, in nanoseconds, until
   * the last rank finished.
   */
  long run(int rounds) throws Exception;

  @Override
  void close();
}
