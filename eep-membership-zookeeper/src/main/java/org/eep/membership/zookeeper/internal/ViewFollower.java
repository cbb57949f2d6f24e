package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.eep.api.membership.MembershipView;
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
  private final List<Delivery> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean catchUpQueued = new AtomicBoolean();
  private final CuratorWatcher watcher = event -> scheduleCatchUp();
  private final ConnectionStateListener connectionListener = this::connectionChanged;
  private final Object viewLock = new Object();
  private MembershipView current;
  private volatile boolean closed;

  ViewFollower(CuratorFramework client, ViewStore store, MembershipView initial, ScheduledExecutorService notifier) {
    this.client = requireNonNull(client, "client is null");
    this.store = requireNonNull(store, "store is null");
    this.current = requireNonNull(initial, "initial is null");
    this.notifier = requireNonNull(notifier, "notifier is null");
  }

  void start() {
    client.getConnectionStateListenable().addListener(connectionListener);
    scheduleCatchUp();
  }

  MembershipView current() {
    synchronized (viewLock) {
      return current;
    }
  }

  MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (viewLock) {
      while (current.epoch() < minEpoch) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(viewLock, left);
      }
      return current;
    }
  }

  AutoCloseable subscribe(ViewListener listener) {
    Delivery delivery = new Delivery(requireNonNull(listener, "listener is null"));
    // Registered on the notification thread: the current view first, then every later one once.
    execute(() -> {
      listeners.add(delivery);
      delivery.offer(current());
    });
    return () -> listeners.remove(delivery);
  }

  /** Asks the notification thread to read any views committed since the last one. */
  void scheduleCatchUp() {
    if (!closed && catchUpQueued.compareAndSet(false, true)) {
      execute(() -> {
        catchUpQueued.set(false);
        catchUp();
      });
    }
  }

  private void catchUp() {
    try {
      while (!closed) {
        Optional<MembershipView> next = store.readOrWatch(current().epoch() + 1, watcher);
        if (next.isEmpty()) {
          return;
        }
        publish(next.get());
      }
    } catch (Exception e) {
      if (!closed) {
        LOG.warn("cannot read the next view after {} ({}); retrying", current().summary(), e.toString());
        try {
          notifier.schedule(this::scheduleCatchUp, RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // closed meanwhile
        }
      }
    }
  }

  private void publish(MembershipView view) {
    synchronized (viewLock) {
      if (view.epoch() != current.epoch() + 1) {
        throw new IllegalStateException("view " + view.epoch() + " read after " + current.epoch());
      }
      current = view;
      viewLock.notifyAll();
    }
    for (Delivery d : listeners) {
      d.offer(view);
    }
  }

  private void connectionChanged(CuratorFramework c, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
      // Watches do not survive a session expiry: read on from where we are.
      scheduleCatchUp();
    }
  }

  private void execute(Runnable task) {
    try {
      notifier.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  @Override
  public void close() {
    closed = true;
    client.getConnectionStateListenable().removeListener(connectionListener);
    listeners.clear();
  }

  /** One listener and the last epoch it was given; used only on the notification thread. */
  private static final class Delivery {
    private final ViewListener listener;
    private long lastEpoch = -1;

    Delivery(ViewListener listener) {
      this.listener = listener;
    }

    void offer(MembershipView view) {
      if (view.epoch() > lastEpoch) {
        lastEpoch = view.epoch();
        try {
          listener.onView(view);
        } catch (RuntimeException e) {
          LoggerFactory.getLogger(ViewFollower.class).warn("view listener failed on {}", view.summary(), e);
        }
      }
    }
  }
}
