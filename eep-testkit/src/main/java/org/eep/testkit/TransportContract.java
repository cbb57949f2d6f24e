package org.eep.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eep.api.comm.EpochChangedException;
import org.eep.api.comm.Fence;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.spi.Providers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conformance tests every {@link org.eep.api.comm.Transport} provider must pass. Extend it, return
 * a config that selects the provider from {@link #config}, and run it in the provider's own build.
 *
 * <p>Waits that are expected to succeed use {@link #PATIENCE} (a liveness bound, not a speed
 * check); waits expected to expire use short deadlines.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class TransportContract {
  /** How long a receive that must succeed may take. Generous: CI machines are slow and shared. */
  protected static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final List<Transport> open = new ArrayList<>();
  private EepConfig meshConfig;

  /**
   * A config selecting the provider under test, for a fresh instance with {@code maxRanks} slots.
   */
  protected abstract EepConfig config(String instance, int maxRanks);

  protected Transport create(EepConfig config, int rank) {
    Transport t =
        Providers.find(TransportProvider.class, config.getString(EepKeys.TRANSPORT))
            .create(config, rank);
    open.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    open.forEach(Transport::close);
  }

  private EepConfig freshConfig(int maxRanks) {
    return config(
        "contract-" + getClass().getSimpleName() + "-" + INSTANCES.incrementAndGet(), maxRanks);
  }

  /** Ranks 0..n-1, every pair connected. */
  protected Transport[] mesh(int n) {
    EepConfig cfg = freshConfig(n);
    meshConfig = cfg;
    Transport[] t = new Transport[n];
    for (int r = 0; r < n; r++) {
      t[r] = create(cfg, r);
    }
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b) {
          t[a].connect(b, t[b].address());
        }
      }
    }
    return t;
  }

  protected static MessageHeader header(
      int sender, long incarnation, long epoch, long step, Phase phase) {
    return new MessageHeader(sender, incarnation, epoch, step, 0, phase, 0);
  }

  protected static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  protected static String text(Message m) {
    ByteBuffer p = m.payload().duplicate();
    byte[] b = new byte[p.remaining()];
    p.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void everyRankReachesEveryOtherWithPayloadIntact() throws Exception {
    Transport[] t = mesh(3);
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        if (a != b) {
          t[a].send(b, header(a, 0, 0, 1, Phase.DISPATCH), text("from " + a + " to " + b));
        }
      }
    }
    for (int b = 0; b < 3; b++) {
      for (int a = 0; a < 3; a++) {
        if (a != b) {
          Message m = t[b].receive(new MessageKey(a, 0, 1, 0, Phase.DISPATCH, 0), PATIENCE);
          assertThat(text(m)).isEqualTo("from " + a + " to " + b);
          assertThat(m.header()).isEqualTo(header(a, 0, 0, 1, Phase.DISPATCH));
        }
      }
    }
  }

  @Test
  void emptyAndLargePayloadsArriveWhole() throws Exception {
    Transport[] t = mesh(2);
    byte[] big = new byte[4 << 20];
    new Random(7).nextBytes(big);
    t[0].send(1, header(0, 0, 0, 1, Phase.DISPATCH), ByteBuffer.allocate(0));
    t[0].send(1, header(0, 0, 0, 1, Phase.COMBINE), ByteBuffer.wrap(big));
    ByteBuffer direct = ByteBuffer.allocateDirect(1000);
    for (int i = 0; i < 1000; i++) {
      direct.put((byte) i);
    }
    t[0].send(1, header(0, 0, 0, 2, Phase.DISPATCH), direct.flip());

    assertThat(
            t[1].receive(new MessageKey(0, 0, 1, 0, Phase.DISPATCH, 0), PATIENCE)
                .payload()
                .remaining())
        .isZero();
    ByteBuffer got = t[1].receive(new MessageKey(0, 0, 1, 0, Phase.COMBINE, 0), PATIENCE).payload();
    assertThat(got).isEqualTo(ByteBuffer.wrap(big));
    ByteBuffer small =
        t[1].receive(new MessageKey(0, 0, 2, 0, Phase.DISPATCH, 0), PATIENCE).payload();
    assertThat(small.remaining()).isEqualTo(1000);
    assertThat(small.get(999)).isEqualTo((byte) 999);
  }

  @Test
  void aGatheringSendArrivesAsItsPartsInOrderAndLeavesTheirPositions() throws Exception {
    Transport[] t = mesh(2);
    ByteBuffer head = text("count=3;");
    ByteBuffer direct = ByteBuffer.allocateDirect(6);
    direct.put("tensor".getBytes(StandardCharsets.UTF_8)).flip();
    ByteBuffer empty = ByteBuffer.allocate(0);
    t[0].send(1, header(0, 0, 0, 1, Phase.DISPATCH), head, empty, direct);
    assertThat(text(t[1].receive(new MessageKey(0, 0, 1, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("count=3;tensor");
    assertThat(head.position()).isZero();
    assertThat(direct.position()).isZero();
    assertThat(t[0].stats().bytesSent()).isEqualTo(14);
  }

  @Test
  void messagesThatArriveBeforeTheyAreAskedForAreKept() throws Exception {
    Transport[] t = mesh(2);
    for (int step = 0; step < 5; step++) {
      t[0].send(1, header(0, 0, 0, step, Phase.DISPATCH), text("s" + step));
    }
    for (int step = 4; step >= 0; step--) {
      assertThat(text(t[1].receive(new MessageKey(0, 0, step, 0, Phase.DISPATCH, 0), PATIENCE)))
          .isEqualTo("s" + step);
    }
  }

  @Test
  void olderEpochMessageIsDroppedAndCounted() throws Exception {
    Transport[] t = mesh(2);
    t[1].fence(new Fence(2, new long[] {1, 1}));
    t[0].send(1, header(0, 1, 1, 5, Phase.DISPATCH), text("stale"));
    t[0].send(1, header(0, 1, 2, 5, Phase.DISPATCH), text("fresh"));

    assertThat(text(t[1].receive(new MessageKey(0, 2, 5, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("fresh");
    assertThat(t[1].stats().droppedStaleEpoch()).isEqualTo(1);
    assertThatThrownBy(
            () ->
                t[1].receive(new MessageKey(0, 1, 5, 0, Phase.DISPATCH, 0), Duration.ofMillis(50)))
        .isInstanceOf(EpochChangedException.class);
  }

  @Test
  void staleIncarnationMessageIsDroppedAndCounted() throws Exception {
    Transport[] t = mesh(2);
    t[1].fence(new Fence(3, new long[] {2, 1}));
    t[0].send(1, header(0, 1, 3, 0, Phase.COMBINE), text("old incarnation"));
    t[0].send(1, header(0, 2, 3, 1, Phase.COMBINE), text("new incarnation"));

    assertThat(text(t[1].receive(new MessageKey(0, 3, 1, 0, Phase.COMBINE, 0), PATIENCE)))
        .isEqualTo("new incarnation");
    assertThat(t[1].stats().droppedStaleIncarnation()).isEqualTo(1);
    assertThatThrownBy(
            () -> t[1].receive(new MessageKey(0, 3, 0, 0, Phase.COMBINE, 0), Duration.ofMillis(50)))
        .isInstanceOf(ReceiveTimeoutException.class);
  }

  @Test
  void newerEpochMessagesWaitForTheirEpoch() throws Exception {
    Transport[] t = mesh(2);
    t[1].fence(new Fence(1, new long[] {1, 1}));
    t[0].send(1, header(0, 1, 1, 9, Phase.SYNC), text("last of epoch 1"));
    t[0].send(1, header(0, 1, 2, 0, Phase.SYNC), text("early"));
    assertThat(text(t[1].receive(new MessageKey(0, 1, 9, 0, Phase.SYNC, 0), PATIENCE)))
        .isEqualTo("last of epoch 1");
    t[1].fence(new Fence(2, new long[] {1, 1}));
    assertThat(text(t[1].receive(new MessageKey(0, 2, 0, 0, Phase.SYNC, 0), PATIENCE)))
        .isEqualTo("early");
    assertThat(t[1].stats().fenced()).isZero();
  }

  @Test
  void aSendersNewerEpochEndsAWaitForItsOlderOne() throws Exception {
    Transport[] t = mesh(2);
    t[1].fence(new Fence(1, new long[] {1, 1}));
    t[0].send(1, header(0, 1, 2, 0, Phase.SYNC), text("went on"));
    assertThatThrownBy(
            () ->
                t[1].receive(new MessageKey(0, 1, 3, 0, Phase.DISPATCH, 0), Duration.ofMinutes(1)))
        .as("delivery is in order: nothing of epoch 1 can follow")
        .isInstanceOf(EpochChangedException.class);
    t[1].fence(new Fence(2, new long[] {1, 1}));
    assertThat(text(t[1].receive(new MessageKey(0, 2, 0, 0, Phase.SYNC, 0), PATIENCE)))
        .isEqualTo("went on");
  }

  @Test
  void receiveDeadlineExpiresWithAnExceptionNamingThePeer() {
    Transport[] t = mesh(3);
    assertThatThrownBy(
            () ->
                t[0].receive(new MessageKey(2, 0, 7, 1, Phase.COMBINE, 0), Duration.ofMillis(100)))
        .isInstanceOf(ReceiveTimeoutException.class)
        .hasMessageContaining("rank 2")
        .hasMessageContaining("step 7")
        .satisfies(e -> assertThat(((ReceiveTimeoutException) e).peer()).isEqualTo(2));
  }

  @Test
  void aNewerFenceEndsWaitsForAnOlderEpoch() throws Exception {
    Transport[] t = mesh(2);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch waiting = new CountDownLatch(1);
      Future<?> wait =
          pool.submit(
              () -> {
                waiting.countDown();
                return t[0].receive(new MessageKey(1, 0, 3, 0, Phase.COMBINE, 0), PATIENCE);
              });
      waiting.await();
      // The wait may not have started yet; a fence applied before it starts must end it too.
      t[0].fence(new Fence(1, new long[] {1, 1}));
      assertThatThrownBy(() -> wait.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .hasCauseInstanceOf(EpochChangedException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPeerErrorReachesTheListener() throws Exception {
    Transport[] t = mesh(3);
    CountDownLatch reported = new CountDownLatch(1);
    AtomicInteger who = new AtomicInteger(-1);
    t[0].addPeerErrorListener(
        (peer, cause) -> {
          if (peer == 2) {
            who.set(peer);
            reported.countDown();
          }
        });
    t[2].close();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    // Some transports learn of a dead peer only when they use the connection: keep using it.
    while (reported.getCount() > 0 && System.nanoTime() < deadline) {
      try {
        t[0].send(2, header(0, 0, 0, 0, Phase.CONTROL), text("are you there"));
      } catch (RuntimeException expected) {
        // the failure itself is what we wait for
      }
      reported.await(20, TimeUnit.MILLISECONDS);
    }
    assertThat(reported.getCount()).as("peer error for rank 2 reported").isZero();
    assertThat(who.get()).isEqualTo(2);
  }

  @Test
  void aProbeIsAnsweredByThePeersTransportWhileNoThreadOfItReceives() throws Exception {
    Transport[] t = mesh(2);
    assertThat(t[0].lastHeard(1)).isEmpty();
    long sent = System.nanoTime();
    t[0].send(1, header(0, 0, 7, 3, Phase.PROBE));
    long deadline = sent + PATIENCE.toNanos();
    while (t[0].lastHeard(1).isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    assertThat(t[0].lastHeard(1)).as("the answer to the probe arrived").isPresent();
    assertThat(t[0].lastHeard(1).getAsLong() - sent).isPositive();
    assertThat(t[1].lastHeard(0)).as("the probe counts as hearing from its sender").isPresent();
    assertThatThrownBy(
            () -> t[1].receive(new MessageKey(0, 7, 3, 0, Phase.PROBE, 0), Duration.ZERO))
        .as("a probe is never delivered")
        .isInstanceOf(ReceiveTimeoutException.class);
    assertThatThrownBy(
            () -> t[0].receive(new MessageKey(1, 7, 3, 0, Phase.PROBE_ACK, 0), Duration.ZERO))
        .as("nor is its answer")
        .isInstanceOf(ReceiveTimeoutException.class);
    assertThat(t[0].stats().messagesDelivered() + t[1].stats().messagesDelivered()).isZero();
  }

  @Test
  void onePeerIsReconnectedWhileTrafficWithOthersContinues() throws Exception {
    Transport[] t = mesh(3);
    exchange(t[0], t[1], 0);
    t[2].close();
    open.remove(t[2]);
    exchange(t[0], t[1], 1);

    Transport reborn = create(meshConfig, 2);
    t[0].reconnect(2, reborn.address());
    t[1].reconnect(2, reborn.address());
    reborn.connect(0, t[0].address());
    reborn.connect(1, t[1].address());
    exchange(t[0], t[1], 2);
    exchange(t[0], reborn, 3);
    exchange(t[1], reborn, 4);
  }

  private void exchange(Transport a, Transport b, long step) throws Exception {
    a.send(b.rank(), header(a.rank(), 0, 0, step, Phase.DISPATCH), text("a" + step));
    b.send(a.rank(), header(b.rank(), 0, 0, step, Phase.DISPATCH), text("b" + step));
    assertThat(text(b.receive(new MessageKey(a.rank(), 0, step, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("a" + step);
    assertThat(text(a.receive(new MessageKey(b.rank(), 0, step, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("b" + step);
  }
}
