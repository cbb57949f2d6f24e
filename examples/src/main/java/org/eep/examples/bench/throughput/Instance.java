package org.eep.examples.bench.throughput;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eep.api.config.EepConfig;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.server.launcher.ProcessCluster;

/** An EP instance the throughput suite loads: ranks as threads of this JVM or as processes. */
interface Instance extends ClosedLoop.Target, AutoCloseable {
  /** Counts summed over the ranks: steps of the busiest rank and expert slots its steps used. */
  /**
   * Counts over the ranks: steps (rank 0's: every active rank runs every step), expert slots used
   * (summed), and the most steps any request took from its admission to its next token (max).
   */
  record Counts(long steps, long slotsUsed, long maxStepsToToken) {
    Counts minus(Counts before) {
      return new Counts(steps - before.steps, slotsUsed - before.slotsUsed, maxStepsToToken);
    }
  }

  int ranks();

  /**
   * Steps so far (rank 0's; every active rank runs every step) and slots used, summed over ranks.
   */
  Counts counts();

  @Override
  void close() throws Exception;

  /** Every rank a thread of this JVM, on the local transport. */
  static Instance inProcess(EepConfig config, Path model) throws InterruptedException {
    NDManager manager = NDManager.newBaseManager();
    EpCluster cluster;
    try {
      cluster = EpCluster.start(new EepModule(config, model, manager));
    } catch (RuntimeException | InterruptedException e) {
      manager.close();
      throw e;
    }
    return new Instance() {
      @Override
      public CompletableFuture<GenerationResult> submit(
          GenerationRequest request, TokenListener listener) {
        return cluster.submit(request, listener);
      }

      @Override
      public int ranks() {
        return cluster.size();
      }

      @Override
      public Counts counts() {
        long slots = 0;
        long toToken = 0;
        for (int r = 0; r < cluster.size(); r++) {
          slots += cluster.rank(r).timings().slotsUsed();
          toToken = Math.max(toToken, cluster.rank(r).stats().admissions().maxStepsToToken());
        }
        RankRuntime first = cluster.rank(0);
        return new Counts(first.timings().steps(), slots, toToken);
      }

      @Override
      public void close() {
        cluster.close();
        manager.close();
      }
    };
  }

  /** Every rank a process of this machine (the launcher's), with an embedded ZooKeeper. */
  static Instance processes(EepConfig config, Path model, Consumer<String> log) throws Exception {
    ProcessCluster cluster = ProcessCluster.start(config, model, log);
    return new Instance() {
      @Override
      public CompletableFuture<GenerationResult> submit(
          GenerationRequest request, TokenListener listener) {
        return cluster.submit(request, listener);
      }

      @Override
      public int ranks() {
        return cluster.size();
      }

      @Override
      public Counts counts() {
        long steps = 0;
        long slots = 0;
        long toToken = 0;
        for (int r = 0; r < cluster.size(); r++) {
          JsonObject s = cluster.status(r);
          if (s != null && s.has("timings")) {
            JsonObject t = s.getAsJsonObject("timings");
            slots += t.get("slotsUsed").getAsLong();
            toToken =
                Math.max(
                    toToken,
                    s.getAsJsonObject("stats")
                        .getAsJsonObject("admissions")
                        .get("maxStepsToToken")
                        .getAsLong());
            if (r == 0) {
              steps = t.get("steps").getAsLong();
            }
          }
        }
        return new Counts(steps, slots, toToken);
      }

      @Override
      public void close() {
        cluster.close();
      }
    };
  }
}
