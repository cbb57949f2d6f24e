package org.eep.api.internal.local;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process coordinator of one instance: turns evidence, joins, activations and missed
 * heartbeats into the next view and pushes it to every handle. With {@code elastic == false} it is
 * the {@code static} baseline: once all slots have been active, any change fails the instance.
 * All state changes are under this object's monitor.
 */
final class LocalCoordinator {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCoordinator.class);
  private static final Map<String, LocalCoordinator> INSTANCES = new HashMap<>();

  private final String key;
  private final boolean elastic;
  private final long heartbeatNanos;
  private final int heartbeatMisses;
  private final List<LocalMembershipService> handles = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService monitor;
  private final long[] lastHeartbeat;
  private long lastCheck = System.nanoTime();
  private MembershipView view;
  private boolean formed;
  private int refs;

  private LocalCoordinator(String key, int maxRanks, boolean elastic, Duration heartbeat, int misses) {
    this.key = key;
    this.elastic = elastic;
    this.heartbeatNanos = heartbeat.toNanos();
    this.heartbeatMisses = misses;
    this.view = MembershipView.initial(maxRanks);
    this.lastHeartbeat = new long[maxRanks];
    this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "eep-local-coordinator-" + key);
      t.setDaemon(true);
      return t;
    });
    monitor.scheduleWithFixedDelay(this::checkHeartbeats, heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
  }

  static LocalCoordinator acquire(String instance, int maxRanks, boolean elastic, Duration heartbeat, int misses) {
    String key = (elastic ? "local/" : "static/") + instance;
    synchronized (INSTANCES) {
      LocalCoordinator c = INSTANCES.computeIfAbsent(key, k -> new LocalCoordinator(k, maxRanks, elastic, heartbeat, misses));
      if (c.view.maxRanks() != maxRanks) {
        throw new MembershipException("Instance " + instance + " has " + c.view.maxRanks() + " slots; eep_max_ranks=" + maxRanks + " does not match");
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
    checkRank(rank);
    Slot s = view.slot(rank);
    if (view.state() == InstanceState.FAILED) {
      throw new MembershipException("Instance has FAILED (static membership); restart it to serve again");
    }
    if (s.state().isMember()) {
      throw new MembershipException("Slot " + rank + " is " + s.state() + " (incarnation " + s.incarnation() + "); it cannot be joined");
    }
    if (!elastic && formed) {
      throw new MembershipException("Static membership: slot " + rank + " cannot be re-joined after formation");
    }
    long incarnation = s.incarnation() + 1;
    lastHeartbeat[rank] = System.nanoTime();
    commit(view.next(new Slot(rank, SlotState.JOINING, incarnation, address), "rank " + rank + " joining (incarnation " + incarnation + ")"));
    return incarnation;
  }

  synchronized MembershipView activate(int rank, long incarnation) {
    checkRank(rank);
    Slot s = view.slot(rank);
    if (s.state() != SlotState.JOINING || s.incarnation() != incarnation) {
      throw new MembershipException("Slot " + rank + " incarnation " + incarnation + " cannot be activated: slot is "
          + s.state() + " with incarnation " + s.incarnation());
    }
    commit(view.next(s.withState(SlotState.ACTIVE), "rank " + rank + " active (incarnation " + incarnation + ")"));
    if (view.activeCount() == view.maxRanks()) {
      formed = true;
    }
    return view;
  }

  synchronized void leave(int rank, long incarnation) {
    checkRank(rank);
    Slot s = view.slot(rank);
    if (s.incarnation() != incarnation || !s.state().isMember()) {
      return;
    }
    fail(rank, SlotState.LEFT, "rank " + rank + " left");
  }

  synchronized void heartbeat(int rank, long incarnation) {
    if (view.slot(rank).incarnation() == incarnation) {
      lastHeartbeat[rank] = System.nanoTime();
    }
  }

  synchronized void evidence(Evidence e) {
    if (e.suspect() < 0 || e.suspect() >= view.maxRanks()) {
      return;
    }
    Slot s = view.slot(e.suspect());
    if (!s.state().isMember() || s.incarnation() != e.incarnation()) {
      LOG.debug("ignoring stale evidence {}", e);
      return;
    }
    if (!e.confirms()) {
      long silentFor = System.nanoTime() - lastHeartbeat[e.suspect()];
      if (silentFor < 2 * heartbeatNanos) {
        LOG.info("suspicion against rank {} cleared by a fresh heartbeat: {}", e.suspect(), e.detail());
        return;
      }
    }
    fail(e.suspect(), SlotState.FAILED, "rank " + e.suspect() + " failed: " + e.getClass().getSimpleName() + " from "
        + (e.reporter() < 0 ? "coordinator" : "rank " + e.reporter()) + " (" + e.detail() + ")");
  }

  private void fail(int rank, SlotState state, String why) {
    if (view.state() == InstanceState.FAILED) {
      return;
    }
    if (!elastic) {
      MembershipView failedSlot = view.next(view.slot(rank).withState(state), why);
      commit(new MembershipView(failedSlot.epoch(), InstanceState.FAILED, failedSlot.slots(), "static membership: " + why));
      return;
    }
    commit(view.next(view.slot(rank).withState(state), why));
  }

  private void checkHeartbeats() {
    long now = System.nanoTime();
    long late = now - lastCheck - heartbeatNanos;
    lastCheck = now;
    synchronized (this) {
      if (late > heartbeatNanos) {
        // This monitor itself was paused (a GC pause, a starved machine): so were the heartbeat senders.
        // Judge nobody on a gap the coordinator caused; count from now.
        for (int r = 0; r < lastHeartbeat.length; r++) {
          lastHeartbeat[r] = Math.max(lastHeartbeat[r], now - heartbeatNanos);
        }
        return;
      }
      for (Slot s : view.slots()) {
        if (s.state().isMember() && now - lastHeartbeat[s.rank()] > heartbeatMisses * heartbeatNanos) {
          evidence(new Evidence.MissedHeartbeats(s.rank(), s.incarnation(), -1,
              "no heartbeat for " + (now - lastHeartbeat[s.rank()]) / 1_000_000 + " ms"));
        }
      }
    }
  }

  private void checkRank(int rank) {
    if (rank < 0 || rank >= view.maxRanks()) {
      throw new MembershipException("Rank " + rank + " is outside [0, " + view.maxRanks() + ")");
    }
  }

  private void commit(MembershipView next) {
    view = next;
    LOG.info("{} committed {}: {}", key, next.summary(), next.cause());
    for (LocalMembershipService h : handles) {
      h.learn(next);
    }
  }
}
