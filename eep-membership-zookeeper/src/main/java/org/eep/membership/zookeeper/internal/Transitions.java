package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.Set;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;

/**
 * The coordinator's rules, as pure functions of the latest committed view: what a request turns
 * into (at most one next view, and a reply for the requester) and which members have lost their
 * session. The same rules as the {@code local} coordinator. Stateless; called on the leader thread.
 */
final class Transitions {
  private Transitions() {}

  /** Whether an incarnation of a rank still holds its ephemeral znode (its session is alive). */
  @FunctionalInterface
  interface Liveness {
    boolean alive(int rank, long incarnation) throws Exception;
  }

  /**
   * The outcome of one request.
   *
   * @param next the view to commit, if the request changes membership
   * @param reply the answer to write into the request znode; empty means delete the request
   */
  record Decision(Optional<MembershipView> next, Optional<Reply> reply) {
    Decision {
      requireNonNull(next, "next is null");
      requireNonNull(reply, "reply is null");
    }

    static Decision answer(MembershipView next, Reply reply) {
      return new Decision(Optional.of(next), Optional.of(reply));
    }

    static Decision answer(Reply reply) {
      return new Decision(Optional.empty(), Optional.of(reply));
    }

    static Decision commit(MembershipView next) {
      return new Decision(Optional.of(next), Optional.empty());
    }

    static Decision drop() {
      return new Decision(Optional.empty(), Optional.empty());
    }
  }

  static Decision decide(MembershipView view, Request request, Liveness liveness) throws Exception {
    if (request instanceof Request.Join j) {
      return join(view, j);
    }
    if (request instanceof Request.Activate a) {
      return activate(view, a);
    }
    if (request instanceof Request.Leave l) {
      return leave(view, l);
    }
    return evidence(view, ((Request.Report) request).evidence(), liveness);
  }

  /**
   * The next view failing the first member slot whose live znode is gone (its session expired or
   * was closed), or empty if every member still holds one.
   */
  static Optional<MembershipView> sweep(MembershipView view, Set<String> liveNames) {
    for (Slot s : view.slots()) {
      if (s.state().isMember() && !liveNames.contains(ZkLayout.liveName(s.rank(), s.incarnation()))) {
        return Optional.of(view.next(s.withState(SlotState.FAILED), "rank " + s.rank() + " failed: ZooKeeper session of incarnation "
            + s.incarnation() + " expired or closed"));
      }
    }
    return Optional.empty();
  }

  private static Decision join(MembershipView view, Request.Join j) {
    if (!inRange(view, j.rank())) {
      return Decision.answer(Reply.refused(outOfRange(view, j.rank())));
    }
    Slot s = view.slot(j.rank());
    if (s.state().isMember()) {
      return Decision.answer(Reply.refused("Slot " + j.rank() + " is " + s.state() + " (incarnation " + s.incarnation()
          + "); it cannot be joined"));
    }
    if (j.incarnation() != s.incarnation() + 1) {
      return Decision.answer(Reply.retry("Slot " + j.rank() + " is at incarnation " + s.incarnation() + " in " + view.summary()
          + "; incarnation " + j.incarnation() + " is stale"));
    }
    MembershipView next = view.next(new Slot(j.rank(), SlotState.JOINING, j.incarnation(), j.address()),
        "rank " + j.rank() + " joining (incarnation " + j.incarnation() + ")");
    return Decision.answer(next, Reply.ok(j.incarnation()));
  }

  private static Decision activate(MembershipView view, Request.Activate a) {
    if (!inRange(view, a.rank())) {
      return Decision.answer(Reply.refused(outOfRange(view, a.rank())));
    }
    Slot s = view.slot(a.rank());
    if (s.state() != SlotState.JOINING || s.incarnation() != a.incarnation()) {
      return Decision.answer(Reply.refused("Slot " + a.rank() + " incarnation " + a.incarnation()
          + " cannot be activated: slot is " + s.state() + " with incarnation " + s.incarnation()));
    }
    MembershipView next = view.next(s.withState(SlotState.ACTIVE), "rank " + a.rank() + " active (incarnation " + a.incarnation() + ")");
    return Decision.answer(next, Reply.ok(next.epoch()));
  }

  private static Decision leave(MembershipView view, Request.Leave l) {
    if (!inRange(view, l.rank())) {
      return Decision.answer(Reply.refused(outOfRange(view, l.rank())));
    }
    Slot s = view.slot(l.rank());
    if (s.incarnation() != l.incarnation() || !s.state().isMember()) {
      return Decision.answer(Reply.ok(view.epoch()));
    }
    MembershipView next = view.next(s.withState(SlotState.LEFT), "rank " + l.rank() + " left");
    return Decision.answer(next, Reply.ok(next.epoch()));
  }

  private static Decision evidence(MembershipView view, Evidence e, Liveness liveness) throws Exception {
    if (!inRange(view, e.suspect())) {
      return Decision.drop();
    }
    Slot s = view.slot(e.suspect());
    if (!s.state().isMember() || s.incarnation() != e.incarnation()) {
      return Decision.drop();
    }
    if (!e.confirms() && liveness.alive(e.suspect(), e.incarnation())) {
      return Decision.drop();
    }
    return Decision.commit(view.next(s.withState(SlotState.FAILED), "rank " + e.suspect() + " failed: "
        + e.getClass().getSimpleName() + " from " + (e.reporter() < 0 ? "coordinator" : "rank " + e.reporter())
        + " (" + e.detail() + ")"));
  }

  private static boolean inRange(MembershipView view, int rank) {
    return rank >= 0 && rank < view.maxRanks();
  }

  private static String outOfRange(MembershipView view, int rank) {
    return "Rank " + rank + " is outside [0, " + view.maxRanks() + ")";
  }
}
