package org.eep.api.internal.local;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipRules.Decision;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ProbeWitnesses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process coordinator of one instance: turns joins, activations, leaves, evidence and missed
 * heartbeats into the next view with {@link MembershipRules} ({@link MembershipRules#fixed()} for
 * the {@code static} baseline) and pushes it to every handle. All state changes are under this
 * object's monitor; a heartbeat monitor thread fails members that fall silent.
 */
final class LocalCoordinator {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCoordinator.class);
  private static final Map<String, LocalCoordinator> INSTANCES = new HashMap<>();

  private final String key;
  private final MembershipRules rules;
  private final long heartbeatNanos;
  private final int heartbeatMisses;
  private final List<LocalMembershipService> handles = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService monitor;
  private final long[] lastHeartbeat;
  private final ProbeWitnesses probeWitnesses;
  private long lastCheck = System.nanoTime();
  private MembershipView view;
  private int refs;

  private LocalCoordinator(
      String key, int maxRanks, MembershipRules rules, Duration heartbeat, int misses) {
    this.key = key;
    this.rules = rules;
    this.heartbeatNanos = heartbeat.toNanos();
    this.heartbeatMisses = misses;
    this.view = MembershipView.initial(maxRanks);
    this.lastHeartbeat = new long[maxRanks];
    this.probeWitnesses = new ProbeWitnesses(heartbeat.multipliedBy(misses));
    this.monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "eep-local-coordinator-" + key);
              t.setDaemon(true);
              return t;
            });
    monitor.scheduleWithFixedDelay(
        this::checkHeartbeats, heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
  }

  static LocalCoordinator acquire(
      String instance, int maxRanks, MembershipRules rules, Duration heartbeat, int misses) {
    String key = (rules.isElastic() ? "local/" : "static/") + instance;
    synchronized (INSTANCES) {
      LocalCoordinator c =
          INSTANCES.computeIfAbsent(
              key, k -> new LocalCoordinator(k, maxRanks, rules, heartbeat, misses));
      if (c.view.maxRanks() != maxRanks) {
        throw new MembershipException(
            "Instance "
                + instance
                + " has "
                + c.view.maxRanks()
                + " slots; eep_max_ranks="
                + maxRanks
                + " does not match");
      }
      c.refs++;
      return c;
    }
  }

  void release() {
    synchronized (INSTANCES) {
      if (--refs == 0) {
        INSTANCES.remove(key);
        monitor.shutdownNow();
      }
    }
  }

  synchronized MembershipView view() {
    return view;
  }

  synchronized void attach(LocalMembershipService handle) {
    handles.add(handle);
    handle.learn(view);
  }

  void detach(LocalMembershipService handle) {
    handles.remove(handle);
  }

  synchronized long join(int rank, String address) {
    long incarnation = inRange(rank) ? view.slot(rank).incarnation() + 1 : 1;
    Answer a = answered(decide(new MembershipRequest.Join(rank, incarnation, address)));
    lastHeartbeat[rank] = System.nanoTime();
    return a.value();
  }

  synchronized MembershipView activate(int rank, long incarnation) {
    answered(decide(new MembershipRequest.Activate(rank, incarnation)));
    return view;
  }

  synchronized void leave(int rank, long incarnation) {
    answered(decide(new MembershipRequest.Leave(rank, incarnation)));
  }

  synchronized void heartbeat(int rank, long incarnation) {
    if (view.slot(rank).incarnation() == incarnation) {
      lastHeartbeat[rank] = System.nanoTime();
    }
  }

  synchronized void evidence(Evidence e) {
    if (e instanceof Evidence.ProbeFailed p) {
      probeWitnesses.record(p, TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
    }
    Decision d = decide(new MembershipRequest.Report(e));
    if (d.next().isEmpty()) {
      LOG.debug("{} changes nothing in {}", e, view.summary());
    }
  }

  /** Applies one request under the rules: commits its view, if any, and returns the decision. */
  private Decision decide(MembershipRequest request) {
    Decision d;
    try {
      d =
          rules.decide(
              view,
              request,
              ((MembershipRules.Liveness)
                      (rank, incarnation) ->
                          System.nanoTime() - lastHeartbeat[rank] < 2 * heartbeatNanos)
                  .withWitnesses(probeWitnesses));
    } catch (Exception e) {
      throw new IllegalStateException("the local liveness check does not fail", e);
    }
    d.next().ifPresent(this::commit);
    return d;
  }

  private static Answer answered(Decision d) {
    Answer a = d.answer().orElseThrow();
    if (a.status() != Answer.Status.OK) {
      throw new MembershipException(a.message());
    }
    return a;
  }

  private void checkHeartbeats() {
    long now = System.nanoTime();
    long late = now - lastCheck - heartbeatNanos;
    lastCheck = now;
    synchronized (this) {
      if (late > heartbeatNanos) {
        // This monitor itself was paused (a GC pause, a starved machine): so were the heartbeat
        // senders.
        // Judge nobody on a gap the coordinator caused; count from now.
        for (int r = 0; r < lastHeartbeat.length; r++) {
          lastHeartbeat[r] = Math.max(lastHeartbeat[r], now - heartbeatNanos);
        }
        return;
      }
      for (Optional<MembershipView> next = rules.sweep(view, s -> silence(s.rank(), now));
          next.isPresent();
          next = rules.sweep(view, s -> silence(s.rank(), now))) {
        commit(next.get());
      }
    }
  }

  /**
   * Why {@code rank} counts as dead at {@code now}: its heartbeats stopped (empty while they come).
   */
  private Optional<String> silence(int rank, long now) {
    long silent = now - lastHeartbeat[rank];
    return silent > heartbeatMisses * heartbeatNanos
        ? Optional.of(
            "MissedHeartbeats from coordinator (no heartbeat for " + silent / 1_000_000 + " ms)")
        : Optional.empty();
  }

  private boolean inRange(int rank) {
    return rank >= 0 && rank < view.maxRanks();
  }

  private void commit(MembershipView next) {
    view = next;
    LOG.info("{} committed {}: {}", key, next.summary(), next.cause());
    for (LocalMembershipService h : handles) {
      h.learn(next);
    }
  }
}
