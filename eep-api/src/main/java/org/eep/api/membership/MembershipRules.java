package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules every coordinator applies: a pure function from the latest committed view and one
 * request to at most one next view and an answer for the requester. The in-process coordinator
 * ({@code local}, {@code static}) and the ZooKeeper leader both decide with these rules, so a
 * behaviour of membership is defined once.
 *
 * <ul>
 *   <li><b>Join</b> an EMPTY, FAILED or LEFT slot with the next incarnation: JOINING. A member slot
 *       is refused; a stale incarnation is answered {@link Answer.Status#RETRY}. A {@link #fixed()}
 *       instance refuses a slot that was ever taken, and every join once it FAILED.
 *   <li><b>Activate</b> the JOINING incarnation: ACTIVE; anything else is refused.
 *   <li><b>Leave</b> by the current member incarnation: LEFT (answered with the view's epoch); a
 *       stale incarnation changes nothing and is answered OK.
 *   <li><b>Evidence</b> against the current member incarnation: FAILED. Evidence that only suspects
 *       ({@link Evidence#confirms()} false) is dropped while the {@link Liveness} check says the
 *       suspect is alive — except a {@link Evidence.ProbeFailed} once more than half of the
 *       suspect's peers (the other members), and at least two, are {@linkplain
 *       Liveness#probeWitnesses witnesses}: then the suspect is FAILED whatever its session says
 *       (so in an instance of two members one report never evicts). Stale evidence is dropped, and
 *       so is evidence from a rank that is not a member (an evicted process that still runs).
 * </ul>
 *
 * <p>Under {@link #fixed()} (the {@code static} baseline) a slot leaving or failing fails the whole
 * instance: the next view is {@link InstanceState#FAILED}. Stateless and thread-safe.
 */
public final class MembershipRules {
  private static final MembershipRules ELASTIC = new MembershipRules(true);
  private static final MembershipRules FIXED = new MembershipRules(false);

  private final boolean elastic;

  private MembershipRules(boolean elastic) {
    this.elastic = elastic;
  }

  /** The rules of an elastic instance: members fail and rejoin, the instance keeps serving. */
  public static MembershipRules elastic() {
    return ELASTIC;
  }

  /** The rules of fixed membership: once formed, any change fails the instance. */
  public static MembershipRules fixed() {
    return FIXED;
  }

  /**
   * What the coordinator knows of a member's liveness: by its own means (a session, a fresh
   * heartbeat), and from the probes its peers reported failed.
   */
  @FunctionalInterface
  public interface Liveness {
    /** Whether this incarnation is alive by the coordinator's own means. */
    boolean alive(int rank, long incarnation) throws Exception;

    /**
     * The ranks that recently reported a failed probe of this incarnation ({@link ProbeWitnesses});
     * none unless the coordinator keeps them.
     */
    default Set<Integer> probeWitnesses(int rank, long incarnation) {
      return Set.of();
    }

    /** This check of liveness, with {@code witnesses} as the probe witnesses. */
    default Liveness withWitnesses(ProbeWitnesses witnesses) {
      requireNonNull(witnesses, "witnesses is null");
      Liveness alive = this;
      return new Liveness() {
        @Override
        public boolean alive(int rank, long incarnation) throws Exception {
          return alive.alive(rank, incarnation);
        }

        @Override
        public Set<Integer> probeWitnesses(int rank, long incarnation) {
          return witnesses.of(rank, incarnation);
        }
      };
    }
  }

  /**
   * The coordinator's answer to a join, activate or leave.
   *
   * @param status the outcome
   * @param value the new incarnation (join) or the epoch of the view that answered (activate,
   *     leave)
   * @param message why the request was refused (empty when accepted)
   */
  public record Answer(Status status, long value, String message) {
    /** Outcome of a request. */
    public enum Status {
      /** Done. */
      OK,
      /** Refused for good (slot taken, wrong state). */
      REFUSED,
      /** Refused because the requester's view was stale; ask again with a fresh one. */
      RETRY
    }

    public Answer {
      requireNonNull(status, "status is null");
      requireNonNull(message, "message is null");
    }

    public static Answer ok(long value) {
      return new Answer(Status.OK, value, "");
    }

    public static Answer refused(String message) {
      return new Answer(Status.REFUSED, -1, message);
    }

    public static Answer retry(String message) {
      return new Answer(Status.RETRY, -1, message);
    }
  }

  /**
   * The outcome of one request.
   *
   * @param next the view to commit, if the request changes membership
   * @param answer the answer to the requester; empty for evidence (answered, if at all, by a view)
   */
  public record Decision(Optional<MembershipView> next, Optional<Answer> answer) {
    public Decision {
      requireNonNull(next, "next is null");
      requireNonNull(answer, "answer is null");
    }

    public static Decision answer(MembershipView next, Answer answer) {
      return new Decision(Optional.of(next), Optional.of(answer));
    }

    public static Decision answer(Answer answer) {
      return new Decision(Optional.empty(), Optional.of(answer));
    }

    public static Decision commit(MembershipView next) {
      return new Decision(Optional.of(next), Optional.empty());
    }

    public static Decision drop() {
      return new Decision(Optional.empty(), Optional.empty());
    }
  }

  /** True for {@link #elastic()}. */
  public boolean isElastic() {
    return elastic;
  }

  /**
   * What {@code request} turns into in {@code view}. {@code liveness} is asked only about a
   * suspicion.
   */
  public Decision decide(MembershipView view, MembershipRequest request, Liveness liveness)
      throws Exception {
    requireNonNull(view, "view is null");
    requireNonNull(request, "request is null");
    requireNonNull(liveness, "liveness is null");
    if (request instanceof MembershipRequest.Join j) {
      return join(view, j);
    }
    if (request instanceof MembershipRequest.Activate a) {
      return activate(view, a);
    }
    if (request instanceof MembershipRequest.Leave l) {
      return leave(view, l);
    }
    return evidence(view, ((MembershipRequest.Report) request).evidence(), liveness);
  }

  /**
   * The next view failing the first member slot that {@code deadBecause} names a reason for (a lost
   * session, missed heartbeats), or empty if every member is alive.
   */
  public Optional<MembershipView> sweep(
      MembershipView view, Function<Slot, Optional<String>> deadBecause) {
    requireNonNull(deadBecause, "deadBecause is null");
    if (view.state() == InstanceState.FAILED) {
      return Optional.empty();
    }
    for (Slot s : view.slots()) {
      if (s.state().isMember()) {
        Optional<String> why = deadBecause.apply(s);
        if (why.isPresent()) {
          return Optional.of(
              remove(view, s, SlotState.FAILED, "rank " + s.rank() + " failed: " + why.get()));
        }
      }
    }
    return Optional.empty();
  }

  private Decision join(MembershipView view, MembershipRequest.Join j) {
    if (!inRange(view, j.rank())) {
      return Decision.answer(Answer.refused(outOfRange(view, j.rank())));
    }
    if (view.state() == InstanceState.FAILED) {
      return Decision.answer(
          Answer.refused("Instance has FAILED (static membership); restart it to serve again"));
    }
    Slot s = view.slot(j.rank());
    if (s.state().isMember()) {
      return Decision.answer(
          Answer.refused(
              "Slot "
                  + j.rank()
                  + " is "
                  + s.state()
                  + " (incarnation "
                  + s.incarnation()
                  + "); it cannot be joined"));
    }
    if (!elastic && s.incarnation() > 0) {
      return Decision.answer(
          Answer.refused(
              "Static membership: slot " + j.rank() + " cannot be re-joined after formation"));
    }
    if (j.incarnation() != s.incarnation() + 1) {
      return Decision.answer(
          Answer.retry(
              "Slot "
                  + j.rank()
                  + " is at incarnation "
                  + s.incarnation()
                  + " in "
                  + view.summary()
                  + "; incarnation "
                  + j.incarnation()
                  + " is stale"));
    }
    MembershipView next =
        view.next(
            new Slot(j.rank(), SlotState.JOINING, j.incarnation(), j.address()),
            "rank " + j.rank() + " joining (incarnation " + j.incarnation() + ")");
    return Decision.answer(next, Answer.ok(j.incarnation()));
  }

  private static Decision activate(MembershipView view, MembershipRequest.Activate a) {
    if (!inRange(view, a.rank())) {
      return Decision.answer(Answer.refused(outOfRange(view, a.rank())));
    }
    Slot s = view.slot(a.rank());
    if (s.state() != SlotState.JOINING || s.incarnation() != a.incarnation()) {
      return Decision.answer(
          Answer.refused(
              "Slot "
                  + a.rank()
                  + " incarnation "
                  + a.incarnation()
                  + " cannot be activated: slot is "
                  + s.state()
                  + " with incarnation "
                  + s.incarnation()));
    }
    MembershipView next =
        view.next(
            s.withState(SlotState.ACTIVE),
            "rank " + a.rank() + " active (incarnation " + a.incarnation() + ")");
    return Decision.answer(next, Answer.ok(next.epoch()));
  }

  private Decision leave(MembershipView view, MembershipRequest.Leave l) {
    if (!inRange(view, l.rank())) {
      return Decision.answer(Answer.refused(outOfRange(view, l.rank())));
    }
    Slot s = view.slot(l.rank());
    if (s.incarnation() != l.incarnation()
        || !s.state().isMember()
        || view.state() == InstanceState.FAILED) {
      return Decision.answer(Answer.ok(view.epoch()));
    }
    MembershipView next = remove(view, s, SlotState.LEFT, "rank " + l.rank() + " left");
    return Decision.answer(next, Answer.ok(next.epoch()));
  }

  private Decision evidence(MembershipView view, Evidence e, Liveness liveness) throws Exception {
    if (!inRange(view, e.suspect()) || view.state() == InstanceState.FAILED) {
      return Decision.drop();
    }
    Slot s = view.slot(e.suspect());
    if (!s.state().isMember() || s.incarnation() != e.incarnation()) {
      return Decision.drop();
    }
    if (inRange(view, e.reporter()) && !view.slot(e.reporter()).state().isMember()) {
      return Decision.drop(); // an evicted incarnation, still running, has no say
    }
    if (e instanceof Evidence.ProbeFailed) {
      List<Integer> peers =
          view.slots().stream()
              .filter(p -> p.state().isMember() && p.rank() != s.rank())
              .map(Slot::rank)
              .toList();
      Set<Integer> said = liveness.probeWitnesses(s.rank(), s.incarnation());
      List<Integer> witnesses = peers.stream().filter(said::contains).toList();
      if (witnesses.size() >= 2 && 2 * witnesses.size() > peers.size()) {
        return Decision.commit(
            remove(
                view,
                s,
                SlotState.FAILED,
                "rank "
                    + s.rank()
                    + " failed: ProbeFailed from ranks "
                    + witnesses
                    + " of its "
                    + peers.size()
                    + " peers ("
                    + e.detail()
                    + ")"));
      }
    }
    if (!e.confirms() && liveness.alive(e.suspect(), e.incarnation())) {
      return Decision.drop();
    }
    return Decision.commit(
        remove(
            view,
            s,
            SlotState.FAILED,
            "rank "
                + e.suspect()
                + " failed: "
                + e.getClass().getSimpleName()
                + " from "
                + (e.reporter() < 0 ? "coordinator" : "rank " + e.reporter())
                + " ("
                + e.detail()
                + ")"));
  }

  /**
   * The next view with {@code member} in {@code state}; under fixed rules the instance FAILED too.
   */
  private MembershipView remove(MembershipView view, Slot member, SlotState state, String why) {
    MembershipView next = view.next(member.withState(state), why);
    return elastic
        ? next
        : new MembershipView(
            next.epoch(), InstanceState.FAILED, next.slots(), "static membership: " + why);
  }

  private static boolean inRange(MembershipView view, int rank) {
    return rank >= 0 && rank < view.maxRanks();
  }

  private static String outOfRange(MembershipView view, int rank) {
    return "Rank " + rank + " is outside [0, " + view.maxRanks() + ")";
  }
}
