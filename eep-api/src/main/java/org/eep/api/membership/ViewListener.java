package org.eep.api.membership;

/**
 * Receives committed views. Called on the membership service's own notification thread, one view at
 * a time, in strictly increasing epoch order with no epoch skipped; the first call carries the view
 * current at subscription. Implementations must return quickly (record the view, wake a waiter) and
 * must not call back into the service on that thread in a way that waits for a view.
 */
@FunctionalInterface
public interface ViewListener {
  void onView(MembershipView view);
}
