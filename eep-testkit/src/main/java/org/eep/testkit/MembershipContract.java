package org.eep.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.api.spi.Providers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conformance tests every membership provider passes, elastic or not. Elastic providers extend
 * {@link ElasticMembershipContract}, which adds eviction and rejoin.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class MembershipContract {
  /** How long a view that must come may take: a liveness bound, not a speed check. */
  protected static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private final List<MembershipService> open = new ArrayList<>();

  /**
   * A config selecting the provider under test for a fresh instance of {@code maxRanks} slots, with
   * {@code eep_heartbeat_ms} and {@code eep_heartbeat_misses} as given.
   */
  protected abstract EepConfig config(
      String instance, int maxRanks, long heartbeatMs, int heartbeatMisses);

  protected MembershipService create(EepConfig config) {
    MembershipService s =
        Providers.find(MembershipProvider.class, config.getString(EepKeys.MEMBERSHIP))
            .create(config);
    open.add(s);
    return s;
  }

  @AfterEach
  void closeAll() {
    open.forEach(MembershipService::close);
  }

  protected EepConfig freshConfig(int maxRanks) {
    return config(
        "contract-" + getClass().getSimpleName() + "-" + INSTANCES.incrementAndGet(),
        maxRanks,
        100,
        5);
  }

  /** {@code n} handles on one instance, every slot joined and activated; returns the handles. */
  protected MembershipService[] formed(EepConfig cfg, int n) throws InterruptedException {
    MembershipService[] s = new MembershipService[n];
    for (int r = 0; r < n; r++) {
      s[r] = create(cfg);
      long inc = s[r].join(r, "addr-" + r);
      assertThat(inc).isEqualTo(1);
    }
    MembershipView last = null;
    for (int r = 0; r < n; r++) {
      last = s[r].activate(r, 1);
    }
    for (MembershipService h : s) {
      assertThat(h.awaitEpoch(last.epoch(), PATIENCE).epoch()).isGreaterThanOrEqualTo(last.epoch());
    }
    return s;
  }

  @Test
  void joinAndActivateMakeSlotsActiveWithAddressesPublished() throws Exception {
    EepConfig cfg = freshConfig(3);
    MembershipService[] s = formed(cfg, 3);
    MembershipView v = s[0].currentView();
    assertThat(v.activeCount()).isEqualTo(3);
    assertThat(v.state()).isEqualTo(InstanceState.SERVING);
    for (int r = 0; r < 3; r++) {
      assertThat(v.slot(r).address()).isEqualTo("addr-" + r);
      assertThat(v.slot(r).incarnation()).isEqualTo(1);
    }
  }

  @Test
  void viewsAreDeliveredInEpochOrderWithoutGaps() throws Exception {
    EepConfig cfg = freshConfig(3);
    MembershipService watcher = create(cfg);
    List<Long> epochs = new CopyOnWriteArrayList<>();
    BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
    watcher.subscribe(
        v -> {
          epochs.add(v.epoch());
          seen.add(v.epoch());
        });
    MembershipService[] s = formed(cfg, 3);
    long last = s[0].currentView().epoch();
    Long got = -1L;
    while (got != null && got < last) {
      got = seen.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
    assertThat(got).as("epoch %d delivered", last).isEqualTo(last);
    for (int i = 1; i < epochs.size(); i++) {
      assertThat(epochs.get(i)).as("epochs %s", epochs).isEqualTo(epochs.get(i - 1) + 1);
    }
  }

  @Test
  void aTakenSlotCannotBeJoinedAgain() throws Exception {
    EepConfig cfg = freshConfig(2);
    MembershipService[] s = formed(cfg, 2);
    MembershipService intruder = create(cfg);
    assertThatThrownBy(() -> intruder.join(1, "elsewhere"))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining("1");
    assertThat(s[0].currentView().slot(1).address()).isEqualTo("addr-1");
  }

  @Test
  void evidenceAgainstAStaleIncarnationChangesNothing() throws Exception {
    EepConfig cfg = freshConfig(2);
    MembershipService[] s = formed(cfg, 2);
    long epoch = s[0].currentView().epoch();
    s[0].reportEvidence(
        new Evidence.TransportError(1, 7, 0, "about an incarnation that never was"));
    s[0].reportEvidence(new Evidence.TransportError(1, 1, 0, "about the live incarnation"));
    MembershipView next = ViewAwaits.awaitSlot(s[1], 1, SlotState.FAILED);
    assertThat(next.epoch()).as("the stale evidence committed nothing").isEqualTo(epoch + 1);
    assertThat(next.slot(1).incarnation()).isEqualTo(1);
  }
}
