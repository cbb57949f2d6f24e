package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one rank knows of each peer's health, as one Resilience4j {@link CircuitBreaker} per peer
 * driven by the outcomes of real receives, and the evidence it reports to the membership:
 *
 * <ul>
 *   <li>a receive that arrives is a success; one that passes its deadline is an error, and the
 *       breaker OPENs on it: the peer is <em>suspected</em>, and a {@link Evidence.DeadlineMiss} is
 *       reported (the coordinator evicts only if its own liveness check agrees). The step keeps
 *       waiting: suspicion is not eviction;
 *   <li>after one deadline the breaker lets one receive through HALF_OPEN, the probe: an arrival
 *       closes it, another miss OPENs it again and reports the suspicion again;
 *   <li>a transport error is a <em>confirmed</em> failure: the breaker is FORCED_OPEN, a {@link
 *       Evidence.TransportError} is reported, and no step waits on that peer any more;
 *   <li>a connection to a new incarnation of the slot resets the breaker.
 * </ul>
 *
 * Thread-safe: outcomes come from the rank thread, transport errors from transport threads.
 */
public final class PeerHealth {
  private static final Logger LOG = LoggerFactory.getLogger(PeerHealth.class);

  private final int rank;
  private final MembershipService membership;
  private final Supplier<MembershipView> applied;
  private final CircuitBreakerConfig config;
  private final Map<Integer, CircuitBreaker> breakers = new ConcurrentHashMap<>();

  /**
   * {@code probeAfter}: how long a suspected peer's breaker stays OPEN before the next receive
   * probes it.
   */
  public PeerHealth(
      int rank,
      MembershipService membership,
      Supplier<MembershipView> applied,
      Duration probeAfter) {
    this.rank = rank;
    this.membership = requireNonNull(membership, "membership is null");
    this.applied = requireNonNull(applied, "applied is null");
    this.config =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(1)
            .minimumNumberOfCalls(1)
            .failureRateThreshold(100)
            .permittedNumberOfCallsInHalfOpenState(1)
            .waitDurationInOpenState(requireNonNull(probeAfter, "probeAfter is null"))
            .recordExceptions(ReceiveTimeoutException.class)
            .build();
  }

  /**
   * Whether a receive from {@code peer} counts (true), or the breaker is OPEN and only waits
   * (false). Drives OPEN to HALF_OPEN.
   */
  boolean acquire(int peer) {
    return breaker(peer).tryAcquirePermission();
  }

  /** True unless a failure of {@code peer} was confirmed: then no step waits on it. */
  boolean usable(int peer) {
    return breaker(peer).getState() != CircuitBreaker.State.FORCED_OPEN;
  }

  /** A counted receive from {@code peer} arrived after {@code nanos}. */
  void delivered(int peer, long nanos) {
    breaker(peer).onSuccess(nanos, TimeUnit.NANOSECONDS);
  }

  /** A counted receive from {@code peer} passed its deadline after {@code nanos}. */
  void missed(int peer, long nanos, ReceiveTimeoutException e) {
    breaker(peer).onError(nanos, TimeUnit.NANOSECONDS, e);
  }

  /** A counted receive ended for another reason (a new epoch, the peer failed): no outcome. */
  void released(int peer) {
    breaker(peer).releasePermission();
  }

  /** The transport reports {@code peer} unreachable: confirmed; reported as evidence. */
  public void confirmedFailure(int peer, String detail) {
    MembershipView v = applied.get();
    if (v == null) {
      return;
    }
    breaker(peer).transitionToForcedOpenState();
    membership.reportEvidence(
        new Evidence.TransportError(
            peer, v.slot(peer).incarnation(), rank, String.valueOf(detail)));
  }

  /**
   * This rank connected to a new incarnation of {@code peer}: what was known of the old one no
   * longer applies.
   */
  void reconnected(int peer) {
    breaker(peer).reset();
  }

  /** Each peer's breaker state, by rank (for status and metrics). */
  public Map<Integer, CircuitBreaker.State> states() {
    Map<Integer, CircuitBreaker.State> out = new TreeMap<>();
    breakers.forEach((p, b) -> out.put(p, b.getState()));
    return out;
  }

  private CircuitBreaker breaker(int peer) {
    return breakers.computeIfAbsent(
        peer,
        p -> {
          CircuitBreaker b = CircuitBreaker.of("rank-" + rank + "-peer-" + p, config);
          b.getEventPublisher()
              .onStateTransition(
                  e -> {
                    if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                      suspect(p);
                    }
                  });
          return b;
        });
  }

  private void suspect(int peer) {
    MembershipView v = applied.get();
    if (v == null) {
      return;
    }
    LOG.info(
        "rank {} suspects rank {} (a receive passed its deadline); the coordinator checks",
        rank,
        peer);
    membership.reportEvidence(
        new Evidence.DeadlineMiss(
            peer,
            v.slot(peer).incarnation(),
            rank,
            "no message from rank " + peer + " within the step deadline"));
  }
}
