package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules;
import org.eep.api.membership.MembershipRules.Decision;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ProbeWitnesses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handle's candidacy for, and tenure as, the instance's coordinator. Every handle runs a
 * Curator {@link LeaderLatch} on {@code leader/}; the elected one runs <em>passes</em> on its own
 * single leader thread whenever requests or live znodes change: read forward to the latest
 * committed view, apply the queued requests in sequence order, then fail every member whose live
 * znode is gone. Each change is committed by {@link ViewStore#commit} (compare-and-set on the next
 * epoch, together with the answered request), so a deposed leader that still tries to commit fails
 * harmlessly, and a new leader continues exactly where the last commit left off: requests not yet
 * answered are still queued, and answered ones were answered in the same transaction as their view.
 */
final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
  private static final long RETRY_MS = 200;

  private final CuratorFramework client;
  private final ZkLayout layout;
  private final ViewStore store;
  private final LeaderLatch latch;
  private final ScheduledExecutorService leaderThread;
  private final AtomicBoolean passQueued = new AtomicBoolean();
  private final CuratorWatcher watcher = event -> schedulePass();
  private final ConnectionStateListener connectionListener = this::connectionChanged;
  private volatile CommitHook hook = CommitHook.NONE;
  private volatile boolean leading;
  private volatile boolean closed;
  private MembershipView known;

  /** Probe failures reported to this leader; used on the leader thread only. */
  private final ProbeWitnesses probeWitnesses;

  Coordinator(
      CuratorFramework client,
      ZkLayout layout,
      ViewStore store,
      String id,
      MembershipView start,
      ScheduledExecutorService leaderThread,
      ProbeWitnesses probeWitnesses) {
    this.probeWitnesses = requireNonNull(probeWitnesses, "probeWitnesses is null");
    this.client = requireNonNull(client, "client is null");
    this.layout = requireNonNull(layout, "layout is null");
    this.store = requireNonNull(store, "store is null");
    this.known = requireNonNull(start, "start is null");
    this.leaderThread = requireNonNull(leaderThread, "leaderThread is null");
    this.latch = new LeaderLatch(client, layout.leader(), requireNonNull(id, "id is null"));
  }

  void start() throws Exception {
    latch.addListener(
        new LeaderLatchListener() {
          @Override
          public void isLeader() {
            leading = true;
            LOG.info("{} is the coordinator of {}", latch.getId(), layout.namespace());
            schedulePass();
          }

          @Override
          public void notLeader() {
            leading = false;
            LOG.info("{} is no longer the coordinator of {}", latch.getId(), layout.namespace());
          }
        },
        leaderThread);
    client.getConnectionStateListenable().addListener(connectionListener);
    latch.start();
  }

  boolean isLeader() {
    return leading && latch.hasLeadership();
  }

  void setHook(CommitHook hook) {
    this.hook = requireNonNull(hook, "hook is null");
  }

  private void schedulePass() {
    if (!closed && passQueued.compareAndSet(false, true)) {
      try {
        leaderThread.execute(
            () -> {
              passQueued.set(false);
              pass();
            });
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private void pass() {
    if (!isLeader() || closed) {
      return;
    }
    try {
      known = store.forward(known);
      if (applyRequests() && sweepSessions()) {
        return;
      }
      schedulePass(); // a commit lost a race: decide again from the newest view
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!closed) {
        LOG.warn("coordinator pass on {} failed ({}); retrying", layout.namespace(), e.toString());
        try {
          leaderThread.schedule(this::schedulePass, RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // closed meanwhile
        }
      }
    }
  }

  /** Applies queued requests in order; false if a commit lost a race. */
  private boolean applyRequests() throws Exception {
    List<String> names = client.getChildren().usingWatcher(watcher).forPath(layout.requests());
    names.sort(Comparator.comparingLong(ZkLayout::sequenceOf));
    for (String name : names) {
      String path = layout.requests() + "/" + name;
      Stat stat = new Stat();
      byte[] data;
      try {
        data = client.getData().storingStatIn(stat).forPath(path);
      } catch (KeeperException.NoNodeException e) {
        continue;
      }
      if (stat.getVersion() != 0) {
        continue; // answered; the requester deletes it
      }
      Decision decision;
      try {
        MembershipRequest request = WireFormat.decodeRequest(data);
        if (request instanceof MembershipRequest.Report r
            && r.evidence() instanceof Evidence.ProbeFailed p) {
          probeWitnesses.record(p, stat.getCtime());
        }
        decision =
            MembershipRules.elastic()
                .decide(known, request, sessions(client, layout).withWitnesses(probeWitnesses));
        if (decision.next().isEmpty() && decision.answer().isEmpty()) {
          LOG.info("{}: {} changes nothing in {}", layout.namespace(), request, known.summary());
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("dropping malformed request {}: {}", path, e.getMessage());
        decision = Decision.drop();
      }
      if (!commit(decision.next(), new ViewStore.RequestUpdate(path, 0, decision.answer()))) {
        return false;
      }
    }
    return true;
  }

  /** Fails members whose session is gone; false if a commit lost a race. */
  private boolean sweepSessions() throws Exception {
    Set<String> live =
        Set.copyOf(client.getChildren().usingWatcher(watcher).forPath(layout.live()));
    for (Optional<MembershipView> next = sweep(live); next.isPresent(); next = sweep(live)) {
      if (!commit(next, null)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The next view failing the first member of {@link #known} whose live znode is not in {@code
   * live}.
   */
  private Optional<MembershipView> sweep(Set<String> live) {
    return MembershipRules.elastic()
        .sweep(
            known,
            s ->
                live.contains(ZkLayout.liveName(s.rank(), s.incarnation()))
                    ? Optional.empty()
                    : Optional.of(
                        "ZooKeeper session of incarnation "
                            + s.incarnation()
                            + " expired or closed"));
  }

  /** Liveness by session: a member is alive while its live znode exists. */
  static MembershipRules.Liveness sessions(CuratorFramework client, ZkLayout layout) {
    return (rank, incarnation) ->
        client.checkExists().forPath(layout.live(rank, incarnation)) != null;
  }

  private boolean commit(Optional<MembershipView> next, ViewStore.RequestUpdate update)
      throws Exception {
    if (!isLeader()) {
      return false;
    }
    if (next.isPresent()) {
      hook.beforeCommit(next.get());
    }
    boolean committed = store.commit(next, update);
    if (next.isPresent()) {
      hook.afterCommit(next.get(), committed);
    }
    if (committed) {
      if (next.isPresent()) {
        known = next.get();
        LOG.info("{} committed {}: {}", layout.namespace(), known.summary(), known.cause());
      }
    } else {
      LOG.info(
          "{}: commit of {} lost to another; re-reading",
          layout.namespace(),
          next.map(MembershipView::summary).orElse("a reply"));
      known = store.forward(known);
    }
    return committed;
  }

  private void connectionChanged(CuratorFramework c, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED) {
      schedulePass();
    }
  }

  @Override
  public void close() {
    closed = true;
    client.getConnectionStateListenable().removeListener(connectionListener);
    try {
      latch.close();
    } catch (Exception e) {
      LOG.debug("closing the leader latch: {}", e.toString());
    }
  }
}
