package org.eep.examples.demo;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.rank.StepHooks;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.examples.DaemonThreads;

/**
 * The full-restart baseline: with fixed ({@code static}) membership one rank failure puts the whole
 * instance in the FAILED state; recovery means closing it and starting a new instance, every rank
 * loading its weights again. Measured from the kill to the first token the new instance emits. In
 * one JVM this is a lower bound on a real restart: no process start, no native library load, and
 * the checkpoint is in the page cache.
 */
public final class FullRestart {
  /**
   * One measurement, in ms: detection (kill → FAILED view), teardown (closing the failed instance),
   * start (a new instance serving), first token (its first token after start), total (kill → that
   * token); and the requests in flight at the kill that were lost.
   */
  public record Result(
      double detectionMs,
      double teardownMs,
      double startMs,
      double firstTokenMs,
      double totalMs,
      int inFlightAtKill,
      int requestsLost) {}

  private FullRestart() {}

  /**
   * Runs {@code clients} closed-loop clients on a static instance for {@code loadSeconds}, kills
   * {@code rank}, and restarts the whole instance.
   */
  public static Result measure(Scenario s, Path modelDir, double loadSeconds, int clients, int rank)
      throws Exception {
    Scenario fixed =
        new Scenario(
            s.ranks(),
            s.transport(),
            "static",
            s.preset(),
            s.seed(),
            s.durationSeconds(),
            s.ratePerSecond(),
            clients,
            List.of(),
            s.shape(),
            s.options(),
            false,
            s.drainSeconds());
    RequestFactory factory =
        new RequestFactory(s.seed(), MoeConfig.read(modelDir).vocabSize(), s.shape());
    try (NDManager manager = NDManager.newBaseManager()) {
      EpCluster a = start(fixed, "restart-a", modelDir, manager);
      List<CompletableFuture<GenerationResult>> inFlight = new ArrayList<>();
      AtomicInteger next = new AtomicInteger();
      ExecutorService driver =
          Executors.newSingleThreadExecutor(DaemonThreads.named("eep-restart-load"));
      boolean[] loading = {true};
      Runnable[] submit = new Runnable[1];
      submit[0] =
          () -> {
            if (!loading[0]) {
              return;
            }
            try {
              CompletableFuture<GenerationResult> f =
                  a.submit(factory.request(next.getAndIncrement()), (id, i, t, owner) -> {});
              synchronized (inFlight) {
                inFlight.add(f);
              }
              f.whenComplete(
                  (r, e) -> {
                    synchronized (inFlight) {
                      inFlight.remove(f);
                    }
                    if (e == null) {
                      driver.execute(submit[0]);
                    }
                  });
            } catch (RequestRejectedException e) {
              // no new work once the instance refuses
            }
          };
      for (int c = 0; c < clients; c++) {
        driver.execute(submit[0]);
      }
      long until = System.nanoTime() + (long) (loadSeconds * 1e9);
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(until - System.nanoTime());
      }
      List<CompletableFuture<GenerationResult>> atKill;
      long tKill;
      driver.submit(() -> loading[0] = false).get();
      synchronized (inFlight) {
        atKill = new ArrayList<>(inFlight);
        tKill = System.nanoTime();
        a.kill(rank);
      }
      MembershipView failed =
          Clusters.awaitView(
              a.observer(), v -> v.state() == InstanceState.FAILED, Duration.ofSeconds(60));
      if (failed == null) {
        a.close();
        throw new IllegalStateException("the static instance did not fail within 60 s of the kill");
      }
      long tDetect = System.nanoTime();
      int lost = 0;
      for (CompletableFuture<GenerationResult> f : atKill) {
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
          lost++;
        }
      }
      a.close();
      driver.shutdownNow();
      long tClosed = System.nanoTime();
      EpCluster b = start(fixed, "restart-b", modelDir, manager);
      try {
        long tStarted = System.nanoTime();
        CompletableFuture<Long> first = new CompletableFuture<>();
        b.submit(
            factory.request(next.getAndIncrement()),
            (id, i, t, owner) -> first.complete(System.nanoTime()));
        long tFirst = first.get(60, TimeUnit.SECONDS);
        return new Result(
            ms(tDetect - tKill),
            ms(tClosed - tDetect),
            ms(tStarted - tClosed),
            ms(tFirst - tStarted),
            ms(tFirst - tKill),
            atKill.size(),
            lost);
      } finally {
        b.close();
      }
    }
  }

  /** A fresh instance of {@code s}, named {@code prefix}-..., without fault hooks. */
  private static EpCluster start(Scenario s, String prefix, Path modelDir, NDManager manager)
      throws InterruptedException {
    return Clusters.start(
        Clusters.config(s, Clusters.freshInstance(prefix)), modelDir, manager, StepHooks.NONE);
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1e5) / 10.0;
  }
}
