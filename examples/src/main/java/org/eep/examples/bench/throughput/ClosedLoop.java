package org.eep.examples.bench.throughput;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * Serves requests with {@code concurrency} in flight at any time (a closed loop: each finished
 * request lets the next in), timing every request's first token (TTFT) and the gaps between its
 * later tokens (TPOT) at the front end.
 */
final class ClosedLoop {
  /** Submits a request to the instance under test. */
  @FunctionalInterface
  interface Target {
    CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener);
  }

  /** What one run measured. */
  record Result(int requests, long tokens, double seconds, double[] ttftMs, double[] tpotMs) {
    double tokensPerSecond() {
      return tokens / seconds;
    }

    static double percentile(double[] values, double p) {
      if (values.length == 0) {
        return Double.NaN;
      }
      double[] v = values.clone();
      Arrays.sort(v);
      int i = (int) Math.ceil(p / 100 * v.length) - 1;
      return v[Math.max(0, Math.min(v.length - 1, i))];
    }
  }

  private ClosedLoop() {}

  static Result run(Target target, List<GenerationRequest> requests, int concurrency)
      throws Exception {
    Semaphore slots = new Semaphore(concurrency);
    int n = requests.size();
    long[] submitted = new long[n];
    long[] first = new long[n];
    long[] last = new long[n];
    int[] count = new int[n];
    List<CompletableFuture<GenerationResult>> futures = new ArrayList<>(n);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (!slots.tryAcquire(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("no request finished within 10 minutes");
      }
      int k = i;
      submitted[k] = System.nanoTime();
      CompletableFuture<GenerationResult> f =
          target.submit(
              requests.get(k),
              (id, index, token, owner) -> {
                long now = System.nanoTime();
                synchronized (count) {
                  if (count[k]++ == 0) {
                    first[k] = now;
                  }
                  last[k] = now;
                }
              });
      f.whenComplete((r, e) -> slots.release());
      futures.add(f);
    }
    long tokens = 0;
    for (CompletableFuture<GenerationResult> f : futures) {
      tokens += f.get(10, TimeUnit.MINUTES).tokens().length;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double[] ttft = new double[n];
    List<Double> tpot = new ArrayList<>();
    synchronized (count) {
      for (int i = 0; i < n; i++) {
        ttft[i] = (first[i] - submitted[i]) / 1e6;
        if (count[i] > 1) {
          tpot.add((last[i] - first[i]) / 1e6 / (count[i] - 1));
        }
      }
    }
    return new Result(
        n, tokens, seconds, ttft, tpot.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
