package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One process's handle on the instance's membership: it reads and follows the committed views,
 * reports evidence, and takes, activates and leaves slots. A coordinator behind it (in-process for
 * {@code local}, the elected leader for {@code zookeeper}) turns evidence and requests into the
 * next view; views are committed one epoch at a time and never rewritten.
 *
 * <p>A slot taken with {@link #join} is kept alive by the service itself: it heartbeats (or holds a
 * session) until {@link #leave} or {@link #close}. A process that stops heartbeating is declared
 * {@link SlotState#FAILED} after {@code eep_heartbeat_ms × eep_heartbeat_misses}.
 *
 * <p>Threading: every method is thread-safe. Listeners run on the service's notification thread.
 */
public interface MembershipService extends AutoCloseable {

  /**
   * The newest view this process has learned. Never null (epoch 0 before anything is committed).
   */
  MembershipView currentView();

  /**
   * Delivers every view from the current one on, in epoch order, to {@code listener} (see {@link
   * ViewListener}). Closing the returned handle stops delivery.
   */
  AutoCloseable subscribe(ViewListener listener);

  /**
   * Blocks until a view with {@code epoch >= minEpoch} is known, or the timeout passes.
   *
   * @return the newest view known when the call returns
   */
  MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException;

  /**
   * Blocks until a view satisfying {@code condition} is learned (the current view counts) and
   * returns the first such view. Driven by {@link #subscribe}: no polling. {@code condition} runs
   * on the notification thread and must be quick.
   *
   * @throws TimeoutException if no such view is learned within {@code timeout}
   */
  default MembershipView awaitView(Predicate<MembershipView> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    requireNonNull(condition, "condition is null");
    requireNonNull(timeout, "timeout is null");
    CompletableFuture<MembershipView> found = new CompletableFuture<>();
    AutoCloseable subscription =
        subscribe(
            v -> {
              try {
                if (!found.isDone() && condition.test(v)) {
                  found.complete(v);
                }
              } catch (RuntimeException e) {
                found.completeExceptionally(e);
              }
            });
    try {
      return found.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "no view satisfied the condition within "
              + timeout
              + "; the newest is "
              + currentView().summary());
    } finally {
      try {
        subscription.close();
      } catch (Exception e) {
        // a subscription handle's close does not fail
      }
    }
  }

  /**
   * Reports evidence against a rank. Asynchronous: the outcome, if any, is a later view. A provider
   * may wait until a {@link Evidence.ProbeFailed} is stored (the prober's own thread reports it).
   */
  void reportEvidence(Evidence evidence);

  /**
   * Takes slot {@code rank} as {@link SlotState#JOINING} with a new incarnation and publishes the
   * data-plane {@code address}. The slot must be EMPTY, FAILED or LEFT.
   *
   * @return the new incarnation
   * @throws MembershipException if the slot is taken or the instance cannot accept members
   */
  long join(int rank, String address);

  /** Asks for a JOINING slot to become ACTIVE; returns the view that activated it. */
  MembershipView activate(int rank, long incarnation);

  /**
   * True while this handle is the one committing views (the elected coordinator of a shared
   * membership); false for an in-process service, whose coordinator is not a handle, and for a
   * handle that only observes.
   */
  default boolean coordinating() {
    return false;
  }

  /** Leaves the slot on purpose (state LEFT). */
  void leave(int rank, long incarnation);

  /**
   * Stops heartbeats and notifications; does not leave (the slot then fails by missed heartbeats or
   * session expiry).
   */
  @Override
  void close();
}
