package org.eep.djl.runtime;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.model.MoeConfig;
import org.eep.placement.Sizing;
import org.eep.placement.repair.TierBandwidths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EP instance whose ranks run in this JVM, and its front end: validates requests, schedules
 * them over the serving ranks (data-parallel attention: each request lives on one rank), and
 * re-queues the requests of a rank that fails on survivors, where they continue from their prompt
 * plus the tokens already emitted. Fault injection ({@link #kill}, {@link #restart}) is what the
 * tests and the demo use. Thread-safe.
 */
public final class EpCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EpCluster.class);

  private final EpConfig ep;
  private final RankRuntime[] ranks;
  private final MembershipService observer;
  private final Router router;

  /** The parts of an instance every rank shares. */
  public record EpConfig(EepConfig config, MoeConfig model, Path modelDir, int slotsPerRank, TransportProvider transports,
      MembershipProvider memberships, PlacementPolicy placementPolicy, TierBandwidths bandwidths, StepHooks hooks,
      NDManager manager) {
    public EpConfig {
      requireNonNull(config, "config is null");
      requireNonNull(model, "model is null");
    }

    RankSetup rank(int r) {
      return rankSetup(r, true);
    }

    /**
     * The setup of rank {@code r}; {@code sharedHostBackup} only when every rank of the instance
     * runs in this JVM (a rank process has no host backup its peers could count on).
     */
    public RankSetup rankSetup(int r, boolean sharedHostBackup) {
      return new RankSetup(r, config.with(EepKeys.RANK.name(), r), model, modelDir, slotsPerRank, transports, memberships,
          placementPolicy, bandwidths, sharedHostBackup, hooks, manager);
    }
  }

  private EpCluster(EpConfig ep) {
    this.ep = ep;
    int n = ep.config().getInt(EepKeys.MAX_RANKS);
    this.ranks = new RankRuntime[n];
    this.observer = ep.memberships().create(ep.config());
    this.router = new Router(ep.config(), ep.model(), n, r -> ranks[r], observer);
  }

  /** Starts every rank and returns once all of them serve. */
  public static EpCluster start(EpConfig ep) throws InterruptedException {
    EpCluster c = new EpCluster(ep);
    try {
      for (int r = 0; r < c.ranks.length; r++) {
        c.ranks[r] = new RankRuntime(ep.rank(r)).start();
      }
      c.awaitServing(c.ranks.length, Duration.ofMinutes(5));
      return c;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /** Slots per rank for {@code model} under {@code config} ({@code eep_redundant_experts}). */
  public static int slotsPerRank(EepConfig config, MoeConfig model) {
    return Sizing.slotsPerRank(config, model.numExperts());
  }

  /**
   * Submits a request; its tokens reach {@code listener} in order, each once.
   *
   * @throws RequestRejectedException if the request is invalid, the queue is full, or coverage is lost under {@code refuse}
   */
  public CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener) {
    return router.submit(request, listener);
  }

  /** Logical experts with no replica on an active rank, as the serving ranks see it. */
  public int[] uncoveredExperts() {
    return router.uncoveredExperts();
  }

  /** Blocks until {@code n} ranks serve. */
  public void awaitServing(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (servingCount() < n) {
      for (RankRuntime r : ranks) {
        if (r != null && r.failure() != null) {
          throw new IllegalStateException("rank " + r.rank() + " failed to start", r.failure());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(servingCount() + " of " + n + " ranks serving after " + timeout);
      }
      observer.awaitEpoch(observer.currentView().epoch() + 1, Duration.ofMillis(50));
    }
  }

  public int servingCount() {
    return router.servingCount();
  }

  /** Kills rank {@code r} abruptly (no leave): connections drop, heartbeats stop. */
  public void kill(int r) {
    LOG.info("killing rank {}", r);
    ranks[r].kill();
  }

  /** Starts a new incarnation of rank {@code r} (the old one must be dead); returns at once. */
  public RankRuntime restart(int r) {
    RankRuntime old = ranks[r];
    if (old != null && old.alive() && !old.evicted() && !old.killed()) {
      throw new IllegalStateException("rank " + r + " is still running");
    }
    if (old != null) {
      old.close();
    }
    ranks[r] = new RankRuntime(ep.rank(r)).start();
    return ranks[r];
  }

  public RankRuntime rank(int r) {
    return ranks[r];
  }

  public int size() {
    return ranks.length;
  }

  public MembershipService observer() {
    return observer;
  }

  /** The newest view this instance's front end has learned. */
  public MembershipView view() {
    return observer.currentView();
  }

  /** One line per outstanding request: id, owner rank/incarnation, tokens emitted (for diagnostics). */
  public String describeOutstanding() {
    return router.describeOutstanding();
  }

  public int requeued() {
    return router.requeued();
  }

  public int outstanding() {
    return router.outstanding();
  }

  public Router router() {
    return router;
  }

  @Override
  public void close() {
    router.close();
    for (RankRuntime r : ranks) {
      if (r != null) {
        r.stopStepping();
      }
    }
    for (RankRuntime r : ranks) {
      if (r != null) {
        r.close();
      }
    }
    HostBackup.drop(ep.config().getString(EepKeys.INSTANCE));
  }
}
