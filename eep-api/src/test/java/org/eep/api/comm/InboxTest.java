package org.eep.api.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Replays and refused frames, as counted by the inbox every transport shares. */
class InboxTest {
  private final Inbox inbox = new Inbox(new Fence(1, new long[] {1, 1}));
  private final MessageHeader first = new MessageHeader(0, 1, 1, 5, 0, Phase.DISPATCH, 0);

  @Test
  void aProbeOfAnyEpochIsHandedToTheAnswererAndNeverKept() {
    java.util.List<MessageHeader> answered = new java.util.ArrayList<>();
    Inbox probed = new Inbox(new Fence(3, new long[] {1, 1}), answered::add);
    MessageHeader stale = new MessageHeader(1, 1, 1, 7, 0, Phase.PROBE, 0);
    probed.deliver(stale, ByteBuffer.allocate(0));
    assertThat(answered).containsExactly(stale);
    assertThat(probed.pendingCount()).isZero();
    assertThat(probed.stats(0, 0).droppedStaleEpoch()).isZero();
  }

  @Test
  void anAnswerToAProbeIsNotKeptButTheSenderCountsAsHeard() {
    assertThat(inbox.lastHeard(1)).isEmpty();
    long before = System.nanoTime();
    inbox.deliver(new MessageHeader(1, 1, 1, 7, 0, Phase.PROBE_ACK, 0), ByteBuffer.allocate(0));
    assertThat(inbox.pendingCount()).isZero();
    assertThat(inbox.lastHeard(1)).isPresent();
    assertThat(inbox.lastHeard(1).getAsLong() - before).isNotNegative();
    assertThat(inbox.lastHeard(0)).isEmpty();
    assertThat(inbox.lastHeard(7)).as("outside the instance").isEmpty();
  }

  @Test
  void aFrameTheFenceDropsStillCountsAsHearingFromItsSender() {
    inbox.deliver(new MessageHeader(0, 1, 0, 1, 0, Phase.DISPATCH, 0), ByteBuffer.allocate(0));
    assertThat(inbox.stats(0, 0).droppedStaleEpoch()).isEqualTo(1);
    assertThat(inbox.lastHeard(0)).isPresent();
  }

  @Test
  void aCopyOfAMessageStillKeptIsADuplicate() throws Exception {
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {1}));
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {2}));
    assertThat(inbox.take(first.key(), Duration.ZERO).payload().get(0)).isEqualTo((byte) 1);
    assertThat(inbox.stats(0, 0).droppedDuplicate()).isEqualTo(1);
  }

  @Test
  void aCopyOfAMessageAlreadyTakenInTheSameEpochIsADuplicateAndIsNotKept() throws Exception {
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {1}));
    inbox.take(first.key(), Duration.ZERO);
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {1}));
    assertThat(inbox.stats(0, 0).droppedDuplicate()).isEqualTo(1);
    assertThat(inbox.pendingCount()).isZero();
    assertThatThrownBy(() -> inbox.take(first.key(), Duration.ZERO))
        .isInstanceOf(ReceiveTimeoutException.class);
  }

  @Test
  void aCopyArrivingInALaterEpochIsStale() throws Exception {
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {1}));
    inbox.take(first.key(), Duration.ZERO);
    inbox.fence(new Fence(2, new long[] {1, 1}));
    inbox.deliver(first, ByteBuffer.wrap(new byte[] {1}));
    assertThat(inbox.stats(0, 0).droppedStaleEpoch()).isEqualTo(1);
    assertThat(inbox.stats(0, 0).droppedDuplicate()).isZero();
    assertThat(inbox.pendingCount()).isZero();
  }

  @Test
  void onlyTheLastReplayWindowOfTakenKeysIsRemembered() throws Exception {
    for (int step = 0; step <= Inbox.REPLAY_WINDOW; step++) {
      MessageHeader h = new MessageHeader(0, 1, 1, step, 0, Phase.DISPATCH, 0);
      inbox.deliver(h, ByteBuffer.allocate(0));
      inbox.take(h.key(), Duration.ZERO);
    }
    inbox.deliver(
        new MessageHeader(0, 1, 1, Inbox.REPLAY_WINDOW, 0, Phase.DISPATCH, 0),
        ByteBuffer.allocate(0));
    assertThat(inbox.stats(0, 0).droppedDuplicate())
        .as("the newest key is remembered")
        .isEqualTo(1);
    inbox.deliver(new MessageHeader(0, 1, 1, 0, 0, Phase.DISPATCH, 0), ByteBuffer.allocate(0));
    assertThat(inbox.pendingCount())
        .as("the oldest was forgotten: kept, unasked for, until the next fence")
        .isEqualTo(1);
    inbox.fence(new Fence(2, new long[] {1, 1}));
    assertThat(inbox.pendingCount()).isZero();
  }

  @Test
  void aSenderThatWentOnToANewerEpochEndsWaitsForItsOlderOnes() throws Exception {
    MessageHeader kept = new MessageHeader(0, 1, 1, 5, 1, Phase.DISPATCH, 0);
    inbox.deliver(kept, ByteBuffer.allocate(0));
    inbox.deliver(new MessageHeader(0, 1, 2, 0, 0, Phase.SYNC, 0), ByteBuffer.allocate(0));
    assertThat(inbox.take(kept.key(), Duration.ZERO))
        .as("what it sent before it went on is still delivered")
        .isNotNull();
    MessageKey never = new MessageKey(0, 1, 6, 0, Phase.DISPATCH, 0);
    assertThatThrownBy(() -> inbox.take(never, Duration.ofMinutes(1)))
        .isInstanceOf(EpochChangedException.class)
        .hasMessageContaining("epoch 2");
    assertThatThrownBy(
            () -> inbox.take(new MessageKey(1, 1, 6, 0, Phase.DISPATCH, 0), Duration.ZERO))
        .as("another sender's waits are untouched")
        .isInstanceOf(ReceiveTimeoutException.class);
  }

  @Test
  void refusedFramesAreCountedByKind() {
    inbox.countRejected(new MalformedFrameException("bad magic"));
    inbox.countRejected(new UnauthenticatedFrameException("bad tag"));
    inbox.countRejected(new UnauthenticatedFrameException("no tag"));
    TransportStats s = inbox.stats(3, 4);
    assertThat(s.droppedMalformed()).isEqualTo(1);
    assertThat(s.droppedUnauthenticated()).isEqualTo(2);
    assertThat(s).isEqualTo(new TransportStats(3, 4, 0, 0, 0, 0, 1, 2));
    assertThat(new TransportStats(1, 2, 3, 4, 5, 6, 7).droppedUnauthenticated()).isZero();
  }
}
