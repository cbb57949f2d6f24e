package org.eep.examples.bench.rebalance;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eep.djl.request.GenerationRequest;
import org.eep.server.instance.ServedInstance;

/**
 * A closed loop of {@code clients} requests in flight, each prompt drawn from one half of the
 * vocabulary (the skewed model's two popularities; {@link #shift} moves to the other half). Keeps
 * every token's arrival time per request, to find the longest gap around a switch.
 */
final class LoadLoop implements AutoCloseable {
  private final ServedInstance instance;
  private final int vocab;
  private final ExecutorService clients;
  private final AtomicLong tokens = new AtomicLong();
  private final AtomicInteger failed = new AtomicInteger();
  private final List<long[]> gaps = new ArrayList<>();
  private volatile boolean upper;
  private volatile boolean stopped;

  LoadLoop(ServedInstance instance, int vocab, int clients, int newTokens) {
    this.instance = instance;
    this.vocab = vocab;
    this.clients = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      int client = c;
      this.clients.execute(() -> loop(client, newTokens));
    }
  }

  private void loop(int client, int newTokens) {
    Random rnd = new Random(client);
    int n = 0;
    while (!stopped) {
      int half = vocab / 2;
      int from = upper ? half : 0;
      int[] prompt = rnd.ints(8 + rnd.nextInt(24), from, from + half).toArray();
      long[] last = {0};
      GenerationRequest r = new GenerationRequest("rb-" + client + "-" + n++, prompt, newTokens);
      try {
        instance
            .submit(
                r,
                (id, index, token, owner) -> {
                  long now = System.nanoTime();
                  tokens.incrementAndGet();
                  if (last[0] != 0) {
                    synchronized (gaps) {
                      gaps.add(new long[] {last[0], now});
                    }
                  }
                  last[0] = now;
                })
            .get(10, TimeUnit.MINUTES);
      } catch (Exception e) {
        failed.incrementAndGet();
      }
    }
  }

  /** Prompts from the other half of the vocabulary from now on. */
  void shift() {
    upper = !upper;
  }

  long tokens() {
    return tokens.get();
  }

  int failed() {
    return failed.get();
  }

  /** The longest gap between two tokens of one request that overlaps {@code [from, to]} (ns). */
  long longestGapOverlapping(long from, long to) {
    long max = 0;
    synchronized (gaps) {
      for (long[] g : gaps) {
        if (g[1] >= from && g[0] <= to) {
          max = Math.max(max, g[1] - g[0]);
        }
      }
    }
    return max;
  }

  /** The median gap between two tokens of one request that ended in {@code [from, to]} (ns). */
  long medianGapIn(long from, long to) {
    List<Long> in = new ArrayList<>();
    synchronized (gaps) {
      for (long[] g : gaps) {
        if (g[1] >= from && g[1] <= to) {
          in.add(g[1] - g[0]);
        }
      }
    }
    in.sort(null);
    return in.isEmpty() ? 0 : in.get(in.size() / 2);
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    clients.shutdown();
    clients.awaitTermination(5, TimeUnit.MINUTES);
  }
}
