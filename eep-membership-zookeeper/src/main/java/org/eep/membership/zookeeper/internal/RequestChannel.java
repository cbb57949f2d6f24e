package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules.Answer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handle's side of the request queue: sequential znodes under {@code requests/}, created with
 * Curator's protection so that a create retried after a connection loss never queues twice, and
 * applied by the leader in sequence order. They outlive the leader meant to answer them. {@link
 * #call} (join, activate, leave) queues an ephemeral request, blocks until the leader writes the
 * reply into it, then deletes it; {@link #post} (evidence) queues a persistent request, which the
 * leader deletes when it has applied it, and returns at once; {@link #queue} does the same but
 * returns once the request is queued. (A probe failure the leader leaves unanswered may be decided
 * by a witness ahead of the queue: {@link WitnessEviction}.) Thread-safe.
 */
final class RequestChannel {
  private static final Logger LOG = LoggerFactory.getLogger(RequestChannel.class);

  private final CuratorFramework client;
  private final ZkLayout layout;
  private final ZkSettings settings;
  private final Set<CountDownLatch> waiting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  RequestChannel(CuratorFramework client, ZkLayout layout, ZkSettings settings) {
    this.client = requireNonNull(client, "client is null");
    this.layout = requireNonNull(layout, "layout is null");
    this.settings = requireNonNull(settings, "settings is null");
  }

  /**
   * Queues {@code request} and waits for the leader's reply. The request znode is ephemeral: it
   * survives any number of leader changes, but not its requester (nobody would read the reply).
   */
  Answer call(MembershipRequest request, Duration timeout) throws Exception {
    String path =
        client
            .create()
            .withProtection()
            .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
            .forPath(layout.requestPrefix(), WireFormat.encode(request));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      CountDownLatch changed = new CountDownLatch(1);
      waiting.add(changed);
      try {
        Answer reply = awaitReply(request, path, changed, deadline, timeout);
        if (reply != null) {
          return reply;
        }
      } finally {
        waiting.remove(changed);
      }
    }
  }

  /**
   * One round: the reply if there is one, null to look again (the znode changed, or we were woken).
   */
  private Answer awaitReply(
      MembershipRequest request,
      String path,
      CountDownLatch changed,
      long deadline,
      Duration timeout)
      throws Exception {
    if (closed) {
      throw new MembershipException(
          "The membership handle was closed while waiting for the answer to " + request);
    }
    Stat stat = new Stat();
    byte[] data;
    try {
      data =
          client
              .getData()
              .storingStatIn(stat)
              .usingWatcher((CuratorWatcher) e -> changed.countDown())
              .forPath(path);
    } catch (KeeperException.NoNodeException e) {
      throw new MembershipException(
          "The request " + request + " was lost with this handle's ZooKeeper session (it expired)",
          e);
    }
    if (stat.getVersion() > 0) {
      deleteQuietly(path);
      return WireFormat.decodeReply(data);
    }
    long left = deadline - System.nanoTime();
    if ((left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) && withdraw(path)) {
      throw new MembershipException(
          "No coordinator answered "
              + request
              + " within "
              + timeout.toMillis()
              + " ms (instance "
              + settings.instance()
              + " at "
              + settings.connect()
              + ")");
    }
    return null; // changed, woken, or answered just before the withdrawal: read again
  }

  /** Wakes every caller waiting for a reply; they fail with "closed". */
  void close() {
    closed = true;
    waiting.forEach(CountDownLatch::countDown);
  }

  /** Queues {@code request} without waiting; failures are logged. */
  void post(MembershipRequest request) throws Exception {
    client
        .create()
        .withProtection()
        .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .inBackground(
            (c, event) -> {
              if (event.getType() == CuratorEventType.CREATE
                  && event.getResultCode() != KeeperException.Code.OK.intValue()) {
                LOG.warn(
                    "could not queue {}: {}",
                    request,
                    KeeperException.Code.get(event.getResultCode()));
              }
            })
        .forPath(layout.requestPrefix(), WireFormat.encode(request));
  }

  /**
   * Queues {@code request} and returns once it is in the queue (not answered): for a caller that
   * looks at the queue next, as {@link WitnessEviction} does.
   */
  void queue(MembershipRequest request) throws Exception {
    client
        .create()
        .withProtection()
        .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath(layout.requestPrefix(), WireFormat.encode(request));
  }

  /** Deletes an unanswered request; false if it was answered first. */
  private boolean withdraw(String path) throws Exception {
    try {
      client.delete().withVersion(0).forPath(path);
      return true;
    } catch (KeeperException.BadVersionException e) {
      return false;
    } catch (KeeperException.NoNodeException e) {
      return true;
    }
  }

  private void deleteQuietly(String path) {
    try {
      client.delete().guaranteed().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      // gone already
    } catch (Exception e) {
      LOG.debug("could not delete answered request {}: {}", path, e.toString());
    }
  }
}
