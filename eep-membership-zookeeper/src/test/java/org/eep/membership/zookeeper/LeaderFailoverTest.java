package org.eep.membership.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.api.membership.ViewListener;
import org.eep.api.spi.Providers;
import org.eep.membership.zookeeper.internal.CommitHook;
import org.eep.membership.zookeeper.internal.ZooKeeperMembershipService;
import org.eep.testkit.ViewAwaits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator dies (or is deposed) in the middle of a recovery: evidence has been reported and
 * the leader has decided the next view but not committed it. A new leader must complete the
 * transition from the queued evidence, no epoch may be committed twice, and every handle must end
 * on the same history.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaderFailoverTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int RANKS = 4;
  private final List<MembershipService> open = new ArrayList<>();
  private final List<Recorder> seen = new ArrayList<>();
  private BlockingHook hook;

  @AfterEach
  void closeAll() {
    if (hook != null) {
      hook.release.countDown();
    }
    open.forEach(MembershipService::close);
  }

  @Test
  void aLeaderKilledBeforeCommittingLeavesTheTransitionToItsSuccessor() throws Exception {
    ZooKeeperMembershipService[] h = formed("killed-" + System.nanoTime());
    int leader = leaderOf(h);
    int victim = (leader + 1) % RANKS;
    int reporter = (leader + 2) % RANKS;
    long before = h[reporter].currentView().epoch();
    hook = new BlockingHook();
    h[leader].setCommitHook(hook);

    h[reporter].reportEvidence(
        new Evidence.TransportError(victim, 1, reporter, "connection reset"));
    MembershipView decided = hook.awaitReached();
    assertThat(decided.slot(victim).state()).isEqualTo(SlotState.FAILED);
    h[leader].close(); // the leader process dies with the decided view uncommitted

    for (int r = 0; r < RANKS; r++) {
      if (r != leader) {
        ViewAwaits.awaitSlot(h[r], victim, SlotState.FAILED);
        ViewAwaits.awaitSlot(h[r], leader, SlotState.FAILED);
      }
    }
    assertConverged(h, leader, before);
  }

  @Test
  void aDeposedLeaderCannotCommitTheEpochItsSuccessorCommitted() throws Exception {
    ZooKeeperMembershipService[] h = formed("deposed-" + System.nanoTime());
    int leader = leaderOf(h);
    int victim = (leader + 1) % RANKS;
    int reporter = (leader + 2) % RANKS;
    long before = h[reporter].currentView().epoch();
    hook = new BlockingHook();
    h[leader].setCommitHook(hook);

    h[reporter].reportEvidence(
        new Evidence.TransportError(victim, 1, reporter, "connection reset"));
    MembershipView decided = hook.awaitReached();
    assertThat(decided.epoch()).isEqualTo(before + 1);
    // The leader pauses (blocked in the hook) long enough for its session to expire, as in a long
    // GC pause.
    h[leader].expireSessionForTest();
    for (int r = 0; r < RANKS; r++) {
      if (r != leader) {
        ViewAwaits.awaitSlot(h[r], victim, SlotState.FAILED);
        ViewAwaits.awaitSlot(h[r], leader, SlotState.FAILED);
      }
    }
    hook.release.countDown(); // the deposed leader wakes up and tries to commit what it had decided
    assertThat(hook.outcome.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .as("the stale commit of epoch %d went through", decided.epoch())
        .isFalse();

    ViewAwaits.awaitSlot(h[leader], leader, SlotState.FAILED);
    assertConverged(h, -1, before);
  }

  @Test
  void aRepeatedProbeFailureTheStuckLeaderLeavesUnansweredIsCommittedByAWitness() throws Exception {
    ZooKeeperMembershipService[] h = formed("witness-" + System.nanoTime());
    int leader = leaderOf(h);
    int a = (leader + 1) % RANKS;
    int suspect = (leader + 2) % RANKS;
    int c = (leader + 3) % RANKS;
    long before = h[a].currentView().epoch();
    hook = new BlockingHook();
    h[leader].setCommitHook(hook);
    h[a].reportEvidence(new Evidence.TransportError(c, 1, a, "connection reset"));
    hook.awaitReached(); // the leader is stuck (as a frozen one would be) with its session alive

    h[a].reportEvidence(new Evidence.ProbeFailed(suspect, 1, a, "silent"));
    h[c].reportEvidence(new Evidence.ProbeFailed(suspect, 1, c, "silent"));
    h[a].reportEvidence(new Evidence.ProbeFailed(suspect, 1, a, "still silent"));
    for (MembershipService s : h) {
      MembershipView v = ViewAwaits.awaitSlot(s, suspect, SlotState.FAILED);
      assertThat(v.epoch()).isEqualTo(before + 1);
      assertThat(v.cause())
          .startsWith(
              "rank "
                  + suspect
                  + " failed: ProbeFailed from ranks "
                  + java.util.List.of(Math.min(a, c), Math.max(a, c)));
      assertThat(v.slot(c).state()).isEqualTo(SlotState.ACTIVE);
    }

    hook.release.countDown();
    assertThat(hook.outcome.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .as("the leader's decision of the same epoch lost to the witness's")
        .isFalse();
    MembershipView after = ViewAwaits.awaitSlot(h[a], c, SlotState.FAILED);
    assertThat(after.epoch()).as("decided again from the newest view").isEqualTo(before + 2);
    assertThat(after.slot(suspect).state()).isEqualTo(SlotState.FAILED);
  }

  @Test
  void anObserverNeverCoordinatesSoAFrontEndsDeathIsNoLeaderLoss() throws Exception {
    String instance = "observer-" + System.nanoTime();
    MembershipService observer =
        Providers.find(MembershipProvider.class, "zookeeper").create(config(instance));
    open.add(observer);
    ZooKeeperMembershipService[] h = formed(instance);
    int leader = leaderOf(h);
    assertThat(observer.coordinating()).as("the observer opened first, yet never stood").isFalse();
    long before = h[leader].currentView().epoch();
    observer.close(); // the front end goes away: nothing to elect, no view changes
    int victim = (leader + 1) % RANKS;
    h[(leader + 2) % RANKS].reportEvidence(
        new Evidence.TransportError(victim, 1, leader, "connection reset"));
    assertThat(ViewAwaits.awaitSlot(h[leader], victim, SlotState.FAILED).epoch())
        .as("the same rank still commits views")
        .isEqualTo(before + 1);
    assertThat(h[leader].coordinating()).isTrue();
  }

  private static EepConfig config(String instance) {
    return EepConfig.of(
        Map.of(
            "eep_membership",
            "zookeeper",
            "eep_instance",
            instance,
            "eep_max_ranks",
            RANKS,
            "eep_heartbeat_ms",
            100,
            "eep_heartbeat_misses",
            5));
  }

  private ZooKeeperMembershipService[] formed(String instance) throws InterruptedException {
    EepConfig cfg = config(instance);
    ZooKeeperMembershipService[] h = new ZooKeeperMembershipService[RANKS];
    for (int r = 0; r < RANKS; r++) {
      h[r] =
          (ZooKeeperMembershipService)
              Providers.find(MembershipProvider.class, "zookeeper").create(cfg);
      open.add(h[r]);
      Recorder views = new Recorder();
      seen.add(views);
      h[r].subscribe(views);
      assertThat(h[r].join(r, "addr-" + r)).isEqualTo(1);
    }
    MembershipView last = null;
    for (int r = 0; r < RANKS; r++) {
      last = h[r].activate(r, 1);
    }
    for (MembershipService s : h) {
      assertThat(s.awaitEpoch(last.epoch(), PATIENCE).epoch()).isGreaterThanOrEqualTo(last.epoch());
    }
    return h;
  }

  private static int leaderOf(ZooKeeperMembershipService[] h) {
    int[] leaders =
        java.util.stream.IntStream.range(0, h.length).filter(r -> h[r].coordinating()).toArray();
    assertThat(leaders).as("handles that lead").hasSize(1);
    return leaders[0];
  }

  /**
   * Every handle but {@code skip} ends on epoch {@code before + 2} (the two failures, each
   * committed once), with the same view, having been given every epoch in order.
   */
  private void assertConverged(MembershipService[] h, int skip, long before)
      throws InterruptedException {
    MembershipView reference = null;
    for (int r = 0; r < RANKS; r++) {
      if (r == skip) {
        continue;
      }
      MembershipView v = h[r].awaitEpoch(before + 2, PATIENCE);
      assertThat(v.epoch()).as("handle %d ends on %s", r, v.summary()).isEqualTo(before + 2);
      reference = reference == null ? v : reference;
      assertThat(v).isEqualTo(reference);
      List<MembershipView> views = seen.get(r).awaitEpoch(before + 2);
      for (int i = 1; i < views.size(); i++) {
        assertThat(views.get(i).epoch())
            .as("handle %d saw %s", r, summaries(views))
            .isEqualTo(views.get(i - 1).epoch() + 1);
      }
      assertThat(views.get(views.size() - 1)).isEqualTo(reference);
      assertThat(views.stream().filter(x -> x.cause().contains("TransportError")).count())
          .as("views committed for the one evidence, on handle %d: %s", r, summaries(views))
          .isEqualTo(1);
    }
  }

  private static List<String> summaries(List<MembershipView> views) {
    return views.stream().map(MembershipView::summary).toList();
  }

  /** Blocks the leader right before it commits a failure view, and reports what the attempt did. */
  private static final class BlockingHook implements CommitHook {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CompletableFuture<Boolean> outcome = new CompletableFuture<>();
    volatile MembershipView decided;

    @Override
    public void beforeCommit(MembershipView next) throws InterruptedException {
      if (decided == null && next.cause().contains("TransportError")) {
        decided = next;
        reached.countDown();
        release.await();
      }
    }

    @Override
    public void afterCommit(MembershipView next, boolean committed) {
      if (next == decided) {
        outcome.complete(committed);
      }
    }

    MembershipView awaitReached() throws InterruptedException {
      assertThat(reached.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
          .as("the leader decided the failure")
          .isTrue();
      return decided;
    }
  }

  /** Records the views a handle delivers; waits on its own monitor, woken by each delivery. */
  private static final class Recorder implements ViewListener {
    private final List<MembershipView> views = new ArrayList<>();

    @Override
    public synchronized void onView(MembershipView view) {
      views.add(view);
      notifyAll();
    }

    synchronized List<MembershipView> awaitEpoch(long epoch) throws InterruptedException {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while ((views.isEmpty() || views.get(views.size() - 1).epoch() < epoch)
          && System.nanoTime() < deadline) {
        TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
      }
      return List.copyOf(views);
    }
  }
}
