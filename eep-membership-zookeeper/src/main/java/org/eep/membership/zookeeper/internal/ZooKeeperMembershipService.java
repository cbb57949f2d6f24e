package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ProbeWitnesses;
import org.eep.api.membership.Slot;
import org.eep.api.membership.ViewListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's handle on an instance kept in ZooKeeper ({@code eep_membership=zookeeper}): one
 * Curator client (one session), a {@link ViewFollower} delivering views on the handle's single
 * notification thread, a {@link Coordinator} candidacy running on its single leader thread (from
 * the handle's first join on: observers never coordinate), and the {@link RequestChannel} to the
 * elected coordinator. A joined slot is kept alive by the ephemeral znode {@code
 * live/r<rank>-i<incarnation>}: it disappears when the session is closed or expires, and the
 * coordinator then fails the slot. Made by {@link
 * org.eep.membership.zookeeper.ZooKeeperMembershipProvider}; every method is thread-safe. A
 * repeated probe failure the coordinator left unanswered is decided by the reporter itself ({@link
 * WitnessEviction}): a frozen coordinator holds its leadership until its session expires.
 *
 * <p>{@link #setCommitHook} and {@link #expireSessionForTest} are fault-injection hooks for tests.
 */
public final class ZooKeeperMembershipService implements MembershipService {
  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperMembershipService.class);
  private static final int JOIN_ATTEMPTS = 5;

  private final ZkSettings settings;
  private final AutoCloseable lease;
  private final CuratorFramework client;
  private final ZkLayout layout;
  private final ViewStore store;
  private final ViewFollower follower;
  private final Coordinator coordinator;
  private final RequestChannel requests;
  private final WitnessEviction witnessEviction;
  private final ScheduledExecutorService notifier;
  private final ScheduledExecutorService leaderThread;
  private final Map<Integer, String> liveByRank = new HashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private boolean candidate;

  private ZooKeeperMembershipService(
      ZkSettings settings, AutoCloseable lease, CuratorFramework client, MembershipView initial) {
    this.settings = settings;
    this.lease = lease;
    this.client = client;
    this.layout = new ZkLayout(settings.namespace());
    this.store = new ViewStore(client, layout);
    String id = "eep-" + UUID.randomUUID().toString().substring(0, 8);
    this.notifier =
        Executors.newSingleThreadScheduledExecutor(
            daemon("eep-zk-views-" + settings.instance() + "-" + id));
    this.leaderThread =
        Executors.newSingleThreadScheduledExecutor(
            daemon("eep-zk-leader-" + settings.instance() + "-" + id));
    this.follower = new ViewFollower(client, store, initial, notifier);
    this.coordinator =
        new Coordinator(
            client,
            layout,
            store,
            id,
            initial,
            leaderThread,
            new ProbeWitnesses(settings.sessionTimeout()));
    this.requests = new RequestChannel(client, layout, settings);
    this.witnessEviction = new WitnessEviction(client, layout, store, settings.sessionTimeout());
  }

  /**
   * Connects, prepares the namespace, reads the current view, and starts following views and
   * standing for election.
   */
  public static ZooKeeperMembershipService open(ZkSettings settings) {
    requireNonNull(settings, "settings is null");
    EmbeddedServers.Lease lease =
        settings.embedded() ? EmbeddedServers.acquire(settings.instance()) : null;
    String connect = lease != null ? lease.connectString() : settings.connect();
    CuratorFramework client = null;
    ZooKeeperMembershipService service = null;
    try {
      ZkSecurity security = ZkSecurity.of(settings);
      client = ZkConnector.connect(settings, connect, security);
      MembershipView initial = ZkConnector.prepare(client, settings, security);
      service = new ZooKeeperMembershipService(settings, lease, client, initial);
      service.start();
      LOG.info(
          "handle on {} at {}{}: {} (session timeout {} ms)",
          settings.instance(),
          connect,
          settings.namespace(),
          initial.summary(),
          client.getZookeeperClient().getZooKeeper().getSessionTimeout());
      return service;
    } catch (Exception e) {
      if (service != null) {
        service.close(); // closes the client and releases the lease
      } else {
        if (client != null) {
          client.close();
        }
        if (lease != null) {
          lease.close();
        }
      }
      throw ZkErrors.wrap(settings, "opening a handle", e);
    }
  }

  private void start() throws Exception {
    follower.start();
  }

  /**
   * Stands for election as the coordinator, once: when this handle first takes a slot. A handle
   * that only observes (a front end) never coordinates, so the views are committed by a rank.
   */
  private synchronized void standForElection() throws Exception {
    if (!candidate) {
      candidate = true;
      coordinator.start();
    }
  }

  @Override
  public boolean coordinating() {
    return coordinator.isLeader(); // false until it stood for election
  }

  @Override
  public MembershipView currentView() {
    return follower.current();
  }

  @Override
  public AutoCloseable subscribe(ViewListener listener) {
    return follower.subscribe(listener);
  }

  @Override
  public MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException {
    return follower.awaitEpoch(minEpoch, requireNonNull(timeout, "timeout is null"));
  }

  @Override
  public void reportEvidence(Evidence evidence) {
    requireNonNull(evidence, "evidence is null");
    checkOpen();
    try {
      if (evidence instanceof Evidence.ProbeFailed p) {
        if (!witnessEviction.beforeRepeating(p)) {
          requests.queue(new MembershipRequest.Report(evidence));
        }
        return;
      }
      requests.post(new MembershipRequest.Report(evidence));
    } catch (Exception e) {
      throw ZkErrors.wrap(settings, "reporting " + evidence, e);
    }
  }

  @Override
  public long join(int rank, String address) {
    requireNonNull(address, "address is null");
    checkOpen();
    checkRank(rank);
    try {
      standForElection();
      for (int attempt = 1; ; attempt++) {
        if (attempt > 1) {
          store.sync(settings.requestTimeout()); // the leader saw a newer view than our server did
        }
        MembershipView latest = store.forward(follower.current());
        Slot slot = latest.slot(rank);
        if (slot.state().isMember()) {
          throw new MembershipException(
              "Slot "
                  + rank
                  + " is "
                  + slot.state()
                  + " (incarnation "
                  + slot.incarnation()
                  + "); it cannot be joined");
        }
        long incarnation = slot.incarnation() + 1;
        String live = layout.live(rank, incarnation);
        try {
          client
              .create()
              .withMode(CreateMode.EPHEMERAL)
              .forPath(live, address.getBytes(StandardCharsets.UTF_8));
        } catch (KeeperException.NodeExistsException e) {
          throw new MembershipException(
              "Slot "
                  + rank
                  + " incarnation "
                  + incarnation
                  + " is being taken by another process");
        }
        Answer reply;
        try {
          reply =
              requests.call(
                  new MembershipRequest.Join(rank, incarnation, address),
                  settings.requestTimeout());
        } catch (Exception e) {
          deleteQuietly(live);
          throw e;
        }
        if (reply.status() == Answer.Status.OK) {
          String previous;
          synchronized (liveByRank) {
            previous = liveByRank.put(rank, live);
          }
          if (previous != null) {
            deleteQuietly(previous);
          }
          return incarnation;
        }
        deleteQuietly(live);
        if (reply.status() == Answer.Status.REFUSED || attempt == JOIN_ATTEMPTS) {
          throw new MembershipException(reply.message());
        }
      }
    } catch (Exception e) {
      throw ZkErrors.wrap(settings, "joining slot " + rank, e);
    }
  }

  @Override
  public MembershipView activate(int rank, long incarnation) {
    checkOpen();
    checkRank(rank);
    try {
      Answer reply =
          requests.call(
              new MembershipRequest.Activate(rank, incarnation), settings.requestTimeout());
      if (reply.status() != Answer.Status.OK) {
        throw new MembershipException(reply.message());
      }
      return store
          .read(reply.value())
          .orElseThrow(() -> new MembershipException("view " + reply.value() + " is missing"));
    } catch (Exception e) {
      throw ZkErrors.wrap(settings, "activating slot " + rank, e);
    }
  }

  @Override
  public void leave(int rank, long incarnation) {
    checkOpen();
    checkRank(rank);
    try {
      Answer reply =
          requests.call(new MembershipRequest.Leave(rank, incarnation), settings.requestTimeout());
      if (reply.status() != Answer.Status.OK) {
        throw new MembershipException(reply.message());
      }
      String live = layout.live(rank, incarnation);
      synchronized (liveByRank) {
        liveByRank.remove(rank, live);
      }
      deleteQuietly(live);
    } catch (Exception e) {
      throw ZkErrors.wrap(settings, "leaving slot " + rank, e);
    }
  }

  /** Test hook: called around this handle's commits while it leads. */
  public void setCommitHook(CommitHook hook) {
    coordinator.setHook(hook);
  }

  /**
   * Test hook: makes this client see its session expire, as after a long pause. The server drops
   * the session (and its ephemeral znodes) once the session timeout passes; Curator then opens a
   * new session.
   */
  public void expireSessionForTest() throws Exception {
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    zk.getTestable().injectSessionExpiration();
  }

  /**
   * Stops following views and standing for election and closes the session (live znodes vanish).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    requests.close();
    follower.close();
    coordinator.close();
    notifier.shutdownNow();
    leaderThread.shutdownNow();
    client.close();
    if (lease != null) {
      try {
        lease.close();
      } catch (Exception e) {
        LOG.warn("releasing the embedded ZooKeeper: {}", e.toString());
      }
    }
  }

  private void deleteQuietly(String path) {
    try {
      client.delete().forPath(path);
    } catch (Exception e) {
      LOG.debug("could not delete {}: {}", path, e.toString());
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new MembershipException(
          "This membership handle of instance " + settings.instance() + " is closed");
    }
  }

  private void checkRank(int rank) {
    if (rank < 0 || rank >= settings.maxRanks()) {
      throw new MembershipException(
          "Rank " + rank + " is outside [0, " + settings.maxRanks() + ")");
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
