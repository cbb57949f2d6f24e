package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.inject.util.Modules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/** A tiny-preset cluster with fault hooks, and helpers to run requests against the reference. */
final class Fixture implements AutoCloseable {
  static final Duration PATIENCE = Duration.ofMinutes(2);
  final NDManager manager = NDManager.newBaseManager();
  final EpCluster cluster;
  final Path model;

  Fixture(int ranks, StepHooks hooks, Map<String, Object> extra) throws InterruptedException {
    this(ranks, hooks, extra, TestModels.tiny());
  }

  Fixture(int ranks, StepHooks hooks, Map<String, Object> extra, Path model)
      throws InterruptedException {
    this.model = model;
    Map<String, Object> options =
        new HashMap<>(
            Map.of(
                "eep_instance",
                TestModels.freshInstance("fx"),
                "eep_max_ranks",
                ranks,
                "eep_transport",
                "local",
                "eep_membership",
                "local",
                "eep_tier_bandwidth",
                "peer=4,host=2,disk=0.5",
                "eep_heartbeat_ms",
                100,
                "eep_heartbeat_misses",
                10,
                "eep_step_timeout_ms",
                1000));
    options.putAll(extra);
    EepConfig config = EepConfig.of(options);
    cluster =
        EpCluster.start(
            Modules.override(new EepModule(config, model, manager))
                .with(b -> b.bind(StepHooks.class).toInstance(hooks)));
  }

  List<CompletableFuture<GenerationResult>> submitAll(List<GenerationRequest> requests) {
    List<CompletableFuture<GenerationResult>> out = new ArrayList<>();
    for (GenerationRequest r : requests) {
      out.add(cluster.submit(r, TokenListener.NONE));
    }
    return out;
  }

  /** Every request completes with the reference tokens (up to a counted near tie). */
  void assertAllExact(
      List<GenerationRequest> requests, List<CompletableFuture<GenerationResult>> results)
      throws Exception {
    for (int i = 0; i < requests.size(); i++) {
      GenerationResult got;
      try {
        got = results.get(i).get(2, TimeUnit.MINUTES);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(
            "request "
                + requests.get(i).id()
                + " did not complete; outstanding:\n"
                + cluster.describeOutstanding()
                + "view "
                + cluster.view().summary(),
            e);
      }
      TestModels.assertMatchesReference(model, requests.get(i), got.tokens());
      assertThat(got.degraded()).isFalse();
    }
  }

  /** Waits (liveness bound only) for a view satisfying {@code condition}. */
  MembershipView awaitView(Predicate<MembershipView> condition) throws Exception {
    return cluster.observer().awaitView(condition, PATIENCE);
  }

  /**
   * Waits until a view satisfying {@code condition} is learned and every serving rank applied it.
   */
  MembershipView awaitApplied(Predicate<MembershipView> condition) throws Exception {
    MembershipView v = awaitView(condition);
    for (int r = 0; r < cluster.size(); r++) {
      RankRuntime rank = cluster.rank(r);
      if (rank != null && !rank.state().isTerminal() && rank.owner().isActiveIn(v)) {
        assertThat(rank.awaitApplied(v.epoch(), PATIENCE))
            .as("rank %d applied %s", r, v.summary())
            .isTrue();
      }
    }
    return v;
  }

  @Override
  public void close() {
    cluster.close();
    manager.close();
  }
}
