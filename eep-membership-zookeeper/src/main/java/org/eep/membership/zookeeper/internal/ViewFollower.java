package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ViewFeed;
import org.eep.api.membership.ViewListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one instance's committed views for one handle. Everything happens on the handle's single
 * notification thread: it reads {@code views/<epoch+1>} until there is none, leaves an exists-watch
 * on the next epoch, and reads on when the watch fires (or the connection comes back). Reading by
 * epoch means no view is ever skipped and none is delivered twice; listeners get them in order,
 * starting with the view current when they subscribed.
 */
final class ViewFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewFollower.class);
  private static final long RETRY_MS = 200;

  private final CuratorFramework client;
  private final ViewStore store;
  private final ScheduledExecutorService notifier;
  private final ViewFeed feed;
  private final AtomicBoolean catchUpQueued = new AtomicBoolean();
  private final CuratorWatcher watcher = event -> scheduleCatchUp();
  private final ConnectionStateListener connectionListener = this::connectionChanged;
  private volatile boolean closed;

  ViewFollower(
      CuratorFramework client,
      ViewStore store,
      MembershipView initial,
      ScheduledExecutorService notifier) {
    this.client = requireNonNull(client, "client is null");
    this.store = requireNonNull(store, "store is null");
    this.notifier = requireNonNull(notifier, "notifier is null");
    this.feed = new ViewFeed(requireNonNull(initial, "initial is null"), notifier);
  }

  void start() {
    client.getConnectionStateListenable().addListener(connectionListener);
    scheduleCatchUp();
  }

  MembershipView current() {
    return feed.current();
  }

  MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException {
    return feed.awaitEpoch(minEpoch, timeout);
  }

  AutoCloseable subscribe(ViewListener listener) {
    return feed.subscribe(listener);
  }

  /** Asks the notification thread to read any views committed since the last one. */
  void scheduleCatchUp() {
    if (!closed && catchUpQueued.compareAndSet(false, true)) {
      try {
        notifier.execute(
            () -> {
              catchUpQueued.set(false);
              catchUp();
            });
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private void catchUp() {
    try {
      while (!closed) {
        MembershipView last = current();
        Optional<MembershipView> next = store.readOrWatch(last.epoch() + 1, watcher);
        if (next.isEmpty()) {
          return;
        }
        if (next.get().epoch() != last.epoch() + 1) {
          throw new IllegalStateException(
              "view " + next.get().epoch() + " read after " + last.epoch());
        }
        feed.publish(next.get());
      }
    } catch (Exception e) {
      if (!closed) {
        LOG.warn(
            "cannot read the next view after {} ({}); retrying", current().summary(), e.toString());
        try {
          notifier.schedule(this::scheduleCatchUp, RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // closed meanwhile
        }
      }
    }
  }

  private void connectionChanged(CuratorFramework c, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
      // Watches do not survive a session expiry: read on from where we are.
      scheduleCatchUp();
    }
  }

  @Override
  public void close() {
    closed = true;
    client.getConnectionStateListenable().removeListener(connectionListener);
    feed.close();
  }
}
