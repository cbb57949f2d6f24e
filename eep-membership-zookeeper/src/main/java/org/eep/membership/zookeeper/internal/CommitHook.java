package org.eep.membership.zookeeper.internal;

import org.eep.api.membership.MembershipView;

/**
 * Fault-injection point for tests: called on the leader thread around every attempt to commit a
 * view, after the leader has decided it and checked its leadership, right before the
 * compare-and-set transaction. A test can block in {@link #beforeCommit} to kill or expire the
 * leader at the worst moment, and learn in {@link #afterCommit} whether the stale attempt went
 * through. Not for production use.
 */
public interface CommitHook {
  /** No-op hook. */
  CommitHook NONE = new CommitHook() {};

  /** Called before the transaction that would commit {@code next}. */
  default void beforeCommit(MembershipView next) throws InterruptedException {}

  /** Called after it: {@code committed} is false if another commit got there first. */
  default void afterCommit(MembershipView next, boolean committed) {}
}
