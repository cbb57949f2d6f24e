package org.eep.djl.rank.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.Fence;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerErrorListener;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportStats;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.Test;

/** Rank 0's prober of ranks 1 and 2, on a clock and a transport the test drives. */
class PeerProberTest {
  private static final long TICK_MS = 50; // a sixth of the 300 ms settings

  private long nowMs;
  private final FakeTransport transport = new FakeTransport();
  private final List<Evidence> reported = new ArrayList<>();
  private final RankCounters counters = new RankCounters();
  private final Set<Integer> broken = new HashSet<>();
  private final MembershipView view =
      MembershipView.initial(3)
          .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
          .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x")
          .next(new Slot(2, SlotState.ACTIVE, 4, "a2"), "x");
  private final PeerProber prober =
      new PeerProber(
          0,
          transport,
          reported::add,
          () -> view,
          () -> 1,
          peer -> !broken.contains(peer),
          counters,
          Duration.ofMillis(300),
          Duration.ofMillis(300),
          () -> TimeUnit.MILLISECONDS.toNanos(nowMs));

  @Test
  void aPeerIsNotJudgedInItsWarmUp() {
    runFor(PeerProber.WARM_UP.toMillis() - TICK_MS, false);
    assertThat(transport.probed).isEmpty();
    runFor(2 * TICK_MS, false);
    assertThat(transport.probed).containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void aProbedPeerThatAnswersIsNotReported() {
    transport.answering.add(1); // rank 1's transport answers every probe at once
    pastWarmUp();
    runFor(1000, true);
    assertThat(transport.probed).as("probed again at each silence").hasSizeGreaterThan(1);
    assertThat(counters.probesAnswered.sum()).isPositive();
    assertThat(reported).isEmpty();
  }

  @Test
  void anUnansweredProbeIsReportedAfterTheTimeoutThenEveryThirdOfIt() {
    pastWarmUp();
    long probedAt = nowMs;
    runFor(300 - TICK_MS, true);
    assertThat(reported).isEmpty();
    runFor(TICK_MS, true);
    assertThat(reported)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e).isInstanceOf(Evidence.ProbeFailed.class);
              assertThat(e.suspect()).isEqualTo(1);
              assertThat(e.incarnation()).isEqualTo(1);
              assertThat(e.reporter()).isZero();
            });
    assertThat(nowMs - probedAt).isEqualTo(300);
    runFor(100, true);
    assertThat(reported).hasSize(2);
    assertThat(counters.probesFailed.sum()).isEqualTo(2);
  }

  @Test
  void aPeerWhoseLinkBrokeIsReportedAsOneThatDoesNotAnswerWithoutProbes() {
    broken.add(1); // a transport error was reported: a coordinator that died with it never answers
    pastWarmUp();
    runFor(300 - TICK_MS, true);
    assertThat(reported).isEmpty();
    runFor(TICK_MS, true);
    assertThat(reported).singleElement().extracting(Evidence::suspect).isEqualTo(1);
    runFor(100, true);
    assertThat(reported).hasSize(2);
    assertThat(transport.probed).as("nothing sent over the broken link").doesNotContain(1);
  }

  @Test
  void nothingIsReportedWhileNoPeerIsHeardSinceTheStallIsThenLikelyThisRanks() {
    pastWarmUp();
    runFor(2000, false);
    assertThat(transport.probed).contains(1, 2);
    assertThat(reported).isEmpty();
  }

  @Test
  void aLateRoundIsAPauseOfThisProcessAndJudgesNobodyForIt() {
    pastWarmUp();
    runFor(TICK_MS, true); // rank 1 probed, rank 2 heard
    nowMs += 1000; // this process stood still for a second
    transport.heard(2, nowMs);
    prober.tick();
    assertThat(reported).as("the gap was this rank's").isEmpty();
    runFor(300 + 300 - TICK_MS, true);
    assertThat(reported).as("silence counted from the pause on").isEmpty();
    runFor(2 * TICK_MS, true);
    assertThat(reported).hasSize(1);
  }

  /** Ticks until just past the warm-up, everyone silent: both peers have been probed once. */
  private void pastWarmUp() {
    runFor(PeerProber.WARM_UP.toMillis() + TICK_MS, false);
    transport.probed.clear();
  }

  /** Ticks every {@link #TICK_MS} for {@code ms}; rank 2 heard at each if {@code twoHeard}. */
  private void runFor(long ms, boolean twoHeard) {
    for (long end = nowMs + ms; nowMs < end; ) {
      nowMs += TICK_MS;
      if (twoHeard) {
        transport.heard(2, nowMs);
      }
      prober.tick();
    }
  }

  /** Records probes; a peer is heard when the test says so, or when it answers a probe. */
  private final class FakeTransport implements Transport {
    final List<Integer> probed = new ArrayList<>();
    final Set<Integer> answering = new HashSet<>();
    private final Map<Integer, Long> heardAt = new HashMap<>();

    void heard(int peer, long ms) {
      heardAt.put(peer, TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public String address() {
      return "fake";
    }

    @Override
    public void connect(int peer, String address) {}

    @Override
    public void reconnect(int peer, String address) {}

    @Override
    public void disconnect(int peer) {}

    @Override
    public void send(int peer, MessageHeader header, ByteBuffer... payload) {
      if (header.phase() == Phase.PROBE) {
        probed.add(peer);
        if (answering.contains(peer)) {
          heard(peer, nowMs);
        }
      }
    }

    @Override
    public Message receive(MessageKey key, Duration timeout) {
      throw new UnsupportedOperationException("the prober never receives");
    }

    @Override
    public void fence(Fence fence) {}

    @Override
    public OptionalLong lastHeard(int peer) {
      Long at = heardAt.get(peer);
      return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    @Override
    public void addPeerErrorListener(PeerErrorListener listener) {}

    @Override
    public TransportStats stats() {
      return new TransportStats(0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {}
  }
}
