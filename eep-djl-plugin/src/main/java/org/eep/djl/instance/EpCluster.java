package org.eep.djl.instance;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Module;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.eep.api.EepException;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.djl.frontend.Router;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.rank.RankState;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EP instance whose ranks run in this JVM, and its front end: validates requests, schedules them
 * over the serving ranks (data-parallel attention: each request lives on one rank), and re-queues
 * the requests of a rank that fails on survivors, where they continue from their prompt plus the
 * tokens already emitted. Fault injection ({@link #kill}, {@link #restart}) is what the tests and
 * the demo use. Made by the composition root ({@link EepModule}). Thread-safe.
 */
public final class EpCluster implements EpInstance {
  private static final Logger LOG = LoggerFactory.getLogger(EpCluster.class);
  private static final Duration FORMATION = Duration.ofMinutes(5);

  private final RankFactory ranksOf;
  private final RankRuntime[] ranks;
  private final MembershipService observer;
  private final Router router;

  @Inject
  EpCluster(RankFactory ranksOf) {
    this.ranksOf = requireNonNull(ranksOf, "ranksOf is null");
    int n = ranksOf.config().getInt(EepKeys.MAX_RANKS);
    this.ranks = new RankRuntime[n];
    this.observer = ranksOf.memberships().create(ranksOf.config());
    this.router = new Router(ranksOf.config(), ranksOf.model(), n, r -> ranks[r], observer);
  }

  /**
   * Wires an instance with {@code modules} (an {@link EepModule}, perhaps overridden), starts every
   * rank and returns once all serve.
   */
  public static EpCluster start(Module... modules) throws InterruptedException {
    EpCluster c = Guice.createInjector(modules).getInstance(EpCluster.class);
    try {
      for (int r = 0; r < c.ranks.length; r++) {
        c.ranks[r] = c.ranksOf.create(r).start();
      }
      c.awaitServing(c.ranks.length, FORMATION);
      return c;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Submits a request; its tokens reach {@code listener} in order, each once.
   *
   * @throws RequestRejectedException if the request is invalid, the queue is full, or coverage is
   *     lost under {@code refuse}
   */
  public CompletableFuture<GenerationResult> submit(
      GenerationRequest request, TokenListener listener) {
    return router.submit(request, listener);
  }

  /** Logical experts with no replica on an active rank, as the serving ranks see it. */
  public int[] uncoveredExperts() {
    return router.uncoveredExperts();
  }

  /** Blocks until {@code n} ranks serve; fails at once naming a rank that failed to start. */
  public void awaitServing(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (RankRuntime r : ranks) {
      if (r == null) {
        continue;
      }
      if (!r.awaitServing(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        if (r.state() == RankState.FAILED) {
          throw new EepException(
              "rank " + r.rank() + " failed to start: " + EepException.describe(r.failure()),
              r.failure());
        }
        if (r.state().isTerminal()) {
          continue;
        }
        throw new IllegalStateException(
            "rank " + r.rank() + " is not serving after " + timeout + " (" + r.state() + ")");
      }
    }
    try {
      observer.awaitView(
          v -> v.activeCount() >= n, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          servingCount() + " of " + n + " ranks serving after " + timeout + ": " + e.getMessage(),
          e);
    }
  }

  public int servingCount() {
    return router.servingCount();
  }

  /**
   * Drains rank {@code r}: the front end gives it no new requests, it leaves its slot (LEFT), and
   * its requests move to the other ranks when the view shows it gone. Returns once it has left.
   */
  public void drain(int r) {
    LOG.info("draining rank {}", r);
    RankRuntime rank = ranks[r];
    router.drain(rank.owner());
    rank.close();
  }

  /**
   * The experts that would have no replica if rank {@code r} left now, as another serving rank
   * plans it; all of them when no other rank serves.
   */
  public List<Integer> missingWithout(int r) {
    for (RankRuntime other : ranks) {
      if (other != null && other.rank() != r && other.serving()) {
        return other.missingWithout(r);
      }
    }
    return IntStream.range(0, ranksOf.model().numExperts()).boxed().toList();
  }

  /**
   * Asks the first serving rank for a live rebalance (see {@link RankRuntime#requestRebalance}: its
   * word reaches every rank); false if no rank serves.
   */
  public boolean rebalance() {
    for (RankRuntime r : ranks) {
      if (r != null && r.serving()) {
        r.requestRebalance();
        return true;
      }
    }
    return false;
  }

  /** Kills rank {@code r} abruptly (no leave): connections drop, heartbeats stop. */
  public void kill(int r) {
    LOG.info("killing rank {}", r);
    ranks[r].kill();
  }

  /** Starts a new incarnation of rank {@code r} (the old one must have ended); returns at once. */
  public RankRuntime restart(int r) {
    RankRuntime old = ranks[r];
    if (old != null && !old.state().isTerminal()) {
      throw new IllegalStateException("rank " + r + " is still running (" + old.state() + ")");
    }
    if (old != null) {
      old.close();
    }
    ranks[r] = ranksOf.create(r).start();
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

  /** One line per outstanding request: id, owner, tokens emitted (for diagnostics). */
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

  /** Physical expert slots per rank. */
  public int slotsPerRank() {
    return ranksOf.slotsPerRank();
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
  }
}
