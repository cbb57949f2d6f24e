package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipView;

/**
 * The committed views of one instance, one znode per epoch. A view is committed by creating {@code
 * views/<epoch>}, which fails if it exists: that create is the compare-and-set that lets two
 * leaders never commit the same epoch, and since a leader only writes epoch E+1 after reading E,
 * epochs have no gaps. The request it answers is updated (or deleted) in the same ZooKeeper
 * transaction, conditional on its version, so a request is never applied twice. Thread-safe
 * (Curator clients are).
 */
final class ViewStore {
  private final CuratorFramework client;
  private final ZkLayout layout;

  ViewStore(CuratorFramework client, ZkLayout layout) {
    this.client = requireNonNull(client, "client is null");
    this.layout = requireNonNull(layout, "layout is null");
  }

  /** What to do with the answered request in the commit transaction. */
  record RequestUpdate(String path, int version, Optional<Answer> reply) {
    RequestUpdate {
      requireNonNull(path, "path is null");
      requireNonNull(reply, "reply is null");
    }
  }

  /** Writes epoch 0 ({@code maxRanks} empty slots) if nothing is there yet. */
  void initialise(int maxRanks) throws Exception {
    try {
      client.create().forPath(layout.view(0), WireFormat.encode(MembershipView.initial(maxRanks)));
    } catch (KeeperException.NodeExistsException e) {
      // another handle did
    }
  }

  /** The view committed at {@code epoch}, if any. */
  Optional<MembershipView> read(long epoch) throws Exception {
    try {
      return Optional.of(WireFormat.decodeView(client.getData().forPath(layout.view(epoch))));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /**
   * The view at {@code epoch} if committed; otherwise empty, with {@code watcher} set to fire when
   * it is created.
   */
  Optional<MembershipView> readOrWatch(long epoch, CuratorWatcher watcher) throws Exception {
    while (true) {
      Optional<MembershipView> v = read(epoch);
      if (v.isPresent()) {
        return v;
      }
      Stat stat = client.checkExists().usingWatcher(watcher).forPath(layout.view(epoch));
      if (stat == null) {
        return Optional.empty();
      }
    }
  }

  /**
   * Waits until this client's server has caught up with the leader of the ensemble (ZooKeeper
   * {@code sync}), so that the next reads see every view committed before the call.
   */
  void sync(Duration timeout) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    client.sync().inBackground((c, event) -> done.countDown()).forPath(layout.views());
    if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new KeeperException.OperationTimeoutException();
    }
  }

  /** The newest committed view (listing the epochs once). */
  MembershipView latest() throws Exception {
    List<String> names = client.getChildren().forPath(layout.views());
    long max =
        names.stream()
            .mapToLong(Long::parseLong)
            .max()
            .orElseThrow(() -> new IllegalStateException(layout.views() + " holds no view"));
    return forward(
        read(max).orElseThrow(() -> new IllegalStateException("view " + max + " vanished")));
  }

  /** The newest committed view, reading forward epoch by epoch from {@code from}. */
  MembershipView forward(MembershipView from) throws Exception {
    MembershipView v = from;
    for (Optional<MembershipView> n = read(v.epoch() + 1); n.isPresent(); n = read(v.epoch() + 1)) {
      v = n.get();
    }
    return v;
  }

  /**
   * Commits {@code next} (if present) and applies {@code update} (if not null) in one transaction.
   *
   * @return false if the epoch was already committed or the request already answered (someone else,
   *     e.g. another leader, got there first): re-read and decide again
   */
  boolean commit(Optional<MembershipView> next, RequestUpdate update) throws Exception {
    List<CuratorOp> ops = new ArrayList<>(2);
    if (next.isPresent()) {
      ops.add(
          client
              .transactionOp()
              .create()
              .forPath(layout.view(next.get().epoch()), WireFormat.encode(next.get())));
    }
    if (update != null) {
      ops.add(
          update.reply().isPresent()
              ? client
                  .transactionOp()
                  .setData()
                  .withVersion(update.version())
                  .forPath(update.path(), WireFormat.encode(update.reply().get()))
              : client
                  .transactionOp()
                  .delete()
                  .withVersion(update.version())
                  .forPath(update.path()));
    }
    if (ops.isEmpty()) {
      return true;
    }
    try {
      client.transaction().forOperations(ops);
      return true;
    } catch (KeeperException.NodeExistsException
        | KeeperException.BadVersionException
        | KeeperException.NoNodeException e) {
      return false;
    }
  }
}
