package org.eep.djl.rank;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.TransportStats;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Owner;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.frontend.RankEndpoint;
import org.eep.djl.rank.internal.Lifecycle;
import org.eep.djl.rank.internal.RankLoop;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.RequestState;
import org.eep.djl.request.TokenListener;
import org.eep.djl.step.ActiveRequest;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.step.RoutingTable;
import org.eep.djl.step.StepTimings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank of an EP instance, as a thread of this JVM: the shell around its parts ({@link
 * RankLoop}) and its one life-cycle state ({@link RankState}). It joins its slot, becomes ACTIVE,
 * and steps in lockstep with the other active ranks until it is closed, killed, evicted or fails; a
 * rank that comes back is a new {@code RankRuntime} (a new incarnation).
 *
 * <p>Threading: the rank thread owns the model state. Every public method may be called from any
 * thread.
 */
public final class RankRuntime implements RankEndpoint, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RankRuntime.class);
  private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(30);

  private final int rank;
  private final Lifecycle lifecycle = new Lifecycle();
  private final RankLoop loop;
  private final Thread thread;
  private volatile boolean leaveOnClose;

  public RankRuntime(RankSetup setup) {
    this.rank = requireNonNull(setup, "setup is null").rank();
    this.loop = new RankLoop(setup, lifecycle);
    this.thread = new Thread(loop::run, "eep-rank-" + rank);
    thread.setDaemon(true);
  }

  /** Starts the rank thread: it joins the instance and forms. */
  public RankRuntime start() {
    if (!lifecycle.advance(RankState.NEW, RankState.FORMING)) {
      throw new IllegalStateException(
          "rank " + rank + " was started already (" + lifecycle.state() + ")");
    }
    thread.start();
    return this;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public long incarnation() {
    return loop.incarnation();
  }

  public RankState state() {
    return lifecycle.state();
  }

  /** The error that ended this rank FAILED, or null. */
  public Throwable failure() {
    return lifecycle.failure();
  }

  /** True while this incarnation is SERVING and ACTIVE in the view it applied. */
  @Override
  public boolean serving() {
    MembershipView v = loop.applied();
    return lifecycle.state() == RankState.SERVING && v != null && owner().isActiveIn(v);
  }

  /**
   * Waits until this incarnation serves; false if it reached a terminal state or the timeout passed
   * first.
   */
  public boolean awaitServing(Duration timeout) throws InterruptedException {
    return lifecycle.await(s -> s == RankState.SERVING || s.isTerminal(), timeout)
        == RankState.SERVING;
  }

  /**
   * Waits until this incarnation reached a terminal state; returns it (or the state when the
   * timeout passed).
   */
  public RankState awaitEnd(Duration timeout) throws InterruptedException {
    return lifecycle.await(RankState::isTerminal, timeout);
  }

  /** The newest view this rank has applied (null before it joined). */
  public MembershipView appliedView() {
    return loop.applied();
  }

  /**
   * Waits until this rank has fully applied a view of epoch {@code >= epoch} (connections, repair,
   * routing tables); false if the timeout passed first.
   */
  public boolean awaitApplied(long epoch, Duration timeout) throws InterruptedException {
    return loop.awaitApplied(epoch, timeout);
  }

  /**
   * Serves a request handed over from a front end in another process: tokens from index {@code
   * alreadyEmitted.length} on reach {@code listener}. Refused (the future fails) unless {@code
   * owner} is this incarnation.
   */
  public CompletableFuture<GenerationResult> serve(
      GenerationRequest request, int[] alreadyEmitted, Owner owner, TokenListener listener) {
    RequestState state = new RequestState(request, listener);
    state.assign(owner);
    if (!owner.equals(owner())) {
      state.fail(
          new RequestRejectedException(
              "request " + request.id() + " was sent to " + owner + ", which is now " + owner()));
    } else {
      state.resume(alreadyEmitted);
      submit(state, alreadyEmitted, owner);
    }
    return state.result();
  }

  /** Hands a request to this rank; it joins the batch between steps. */
  @Override
  public void submit(RequestState state, int[] alreadyEmitted, Owner owner) {
    loop.submit(new ActiveRequest(state, owner, alreadyEmitted));
  }

  @Override
  public int[] uncoveredExperts() {
    return loop.uncovered();
  }

  /**
   * The logical experts that would have no replica if rank {@code leaving} left now, as the
   * recovery planner sees it from this rank's placement (empty: the rank can be drained). Any
   * thread.
   */
  public List<Integer> missingWithout(int leaving) {
    return loop.missingWithout(leaving);
  }

  public RankStats stats() {
    return loop.stats();
  }

  /**
   * Asks for a live rebalance: at the next step every active rank agrees on, they take one load
   * snapshot, stage the changed slots in the background and switch in place. Asking one rank is
   * enough. Any thread.
   */
  public void requestRebalance() {
    loop.requestRebalance();
  }

  /**
   * Blocks until rebalancing did {@code kind} at least {@code n} times on this incarnation (for
   * example {@code SWITCHED, 1}: its first switch); false after {@code timeout}. Any thread.
   */
  public boolean awaitRebalances(RebalanceEvent.Kind kind, long n, Duration timeout)
      throws InterruptedException {
    return loop.awaitRebalances(kind, n, timeout);
  }

  /** What live rebalancing did on this incarnation (its last 256 events), in order. */
  public List<RebalanceEvent> rebalances() {
    return loop.rebalances();
  }

  /**
   * Tokens this rank routed per (layer, logical expert) over the last {@code
   * eep_rebalance_window_steps} steps, {@code [layer][expert]}.
   */
  public long[][] routedLoad() {
    return loop.routedLoad();
  }

  /** One entry of {@link #routedLoad}, without copying the rest. Any thread. */
  public long routedTokens(int layer, int expert) {
    return loop.routedTokens(layer, expert);
  }

  public StepTimings timings() {
    return loop.timings();
  }

  /** Every repair action this incarnation carried out, in order. */
  public List<ExecutedRepair> repairs() {
    return loop.repairs();
  }

  public TransportStats transportStats() {
    return loop.transportStats();
  }

  /** Each peer's circuit-breaker state as this rank sees it, by rank. */
  public Map<Integer, CircuitBreaker.State> peerStates() {
    return loop.peerStates();
  }

  /** This rank's membership handle (the demo freezes a rank through it, as SIGSTOP would). */
  public MembershipService membership() {
    return loop.membership();
  }

  RoutingTable routingTable() {
    return loop.routing();
  }

  ExpertStore expertStore() {
    return loop.store();
  }

  /**
   * The placement of expert columns this rank serves by (null before formation decided it). Any
   * thread.
   */
  public ExpertPlacement placement() {
    return loop.placement();
  }

  /** Which logical expert each column of {@link #placement} is in each layer. Any thread. */
  public LayerMap layerMap() {
    return loop.layerMap();
  }

  /**
   * Kills this rank abruptly, as {@code kill -9} would: no leave, connections dropped, heartbeats
   * stop.
   */
  public void kill() {
    if (lifecycle.end(RankState.KILLED)) {
      loop.abandon();
      thread.interrupt();
    }
  }

  /**
   * Stops the rank thread without leaving (so an instance can stop all its ranks before any
   * leaves).
   */
  public void stopStepping() {
    if (lifecycle.end(RankState.STOPPED)) {
      leaveOnClose = true;
    }
    thread.interrupt();
    try {
      thread.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops, leaves the slot (unless killed, evicted or failed before) and releases everything. */
  @Override
  public void close() {
    stopStepping();
    if (leaveOnClose && incarnation() > 0) {
      try {
        loop.leave();
      } catch (RuntimeException e) {
        LOG.debug("rank {} could not leave cleanly: {}", rank, e.toString());
      }
    }
    loop.close();
  }
}
