package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side every {@link MembershipService} shares: the newest view this handle has
 * learned, waits for a newer epoch, and listeners that get every view once, in epoch order,
 * starting with the view current when they subscribed. A provider {@link #publish}es views in
 * commit order as it learns them and implements {@link MembershipService#currentView}, {@link
 * MembershipService#subscribe} and {@link MembershipService#awaitEpoch} by delegating here.
 *
 * <p>Threading: thread-safe. Listeners run on the {@code notifier} given at construction (a single
 * thread, so they see views one at a time); a listener that throws is logged and keeps its
 * subscription.
 */
public final class ViewFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewFeed.class);

  private final Executor notifier;
  private final List<Delivery> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private MembershipView current;
  private volatile boolean closed;

  /**
   * A feed whose current view is {@code initial}; listeners run on {@code notifier} (one thread).
   */
  public ViewFeed(MembershipView initial, Executor notifier) {
    this.current = requireNonNull(initial, "initial is null");
    this.notifier = requireNonNull(notifier, "notifier is null");
  }

  /** The newest view published. */
  public MembershipView current() {
    synchronized (lock) {
      return current;
    }
  }

  /**
   * Makes {@code view} current and hands it to every listener, unless it is not newer than the
   * current view (then nothing happens). Returns whether it was newer.
   */
  public boolean publish(MembershipView view) {
    requireNonNull(view, "view is null");
    synchronized (lock) {
      if (view.epoch() <= current.epoch()) {
        return false;
      }
      current = view;
      lock.notifyAll();
    }
    execute(() -> listeners.forEach(d -> d.offer(view)));
    return true;
  }

  /** See {@link MembershipService#subscribe}. */
  public AutoCloseable subscribe(ViewListener listener) {
    Delivery delivery = new Delivery(requireNonNull(listener, "listener is null"));
    // Registered on the notifier: the current view first, then every later one exactly once.
    execute(
        () -> {
          listeners.add(delivery);
          delivery.offer(current());
        });
    return () -> listeners.remove(delivery);
  }

  /** See {@link MembershipService#awaitEpoch}. */
  public MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + requireNonNull(timeout, "timeout is null").toNanos();
    synchronized (lock) {
      while (current.epoch() < minEpoch) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return current;
    }
  }

  /** Stops delivering to listeners. */
  @Override
  public void close() {
    closed = true;
    listeners.clear();
  }

  private void execute(Runnable task) {
    if (closed) {
      return;
    }
    try {
      notifier.execute(task);
    } catch (RejectedExecutionException e) {
      // the provider's notifier is shutting down
    }
  }

  /** One listener and the last epoch it was given; used only on the notifier. */
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
          LOG.warn("view listener failed on {}", view.summary(), e);
        }
      }
    }
  }
}
