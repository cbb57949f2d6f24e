package org.eep.comm.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.eep.api.comm.Fence;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.comm.TransportStats;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code tcp} transport with {@code eep_secret} set, attacked from raw sockets on loopback: a
 * process without the secret cannot inject frames, a recorded frame cannot be replayed, and a frame
 * of an old incarnation cannot be passed off as the new one. Refused frames are counted; members
 * keep talking.
 *
 * <p>No sleeps: a refused frame's connection is closed by the transport after counting it (the raw
 * socket reads the end of the stream), and frames of one connection are handled in order, so a
 * marker frame received after a replay proves the replay was handled.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyAuthenticationTest {
  /** A liveness bound for waits that must succeed, not a speed check. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final String INSTANCE = "auth-test";
  private static final String SECRET = "correct horse battery staple";

  /** What members sign with: the same derivation the transport uses for this config. */
  private static final FrameAuth MEMBER = FrameAuth.hmac(INSTANCE, SECRET);

  /** A member's frames to rank 1 (tags are bound to their destination). */
  private static final FrameAuth TO_RANK_1 = MEMBER.toReceiver(1);

  private final List<Transport> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(Transport::close);
  }

  static Stream<Arguments> foreignFrames() {
    MessageHeader h = new MessageHeader(0, 0, 0, 2, 0, Phase.DISPATCH, 0);
    return Stream.of(
        Arguments.of(
            "no tag (a client that knows the format but not the secret)",
            (UnaryOperator<ByteBuffer>) p -> FrameCodec.encode(h, p)),
        Arguments.of(
            "a tag made with a wrong secret",
            (UnaryOperator<ByteBuffer>)
                p -> FrameCodec.encode(h, p, FrameAuth.hmac(INSTANCE, "guess"))),
        Arguments.of(
            "a tag made with the secret of another instance name",
            (UnaryOperator<ByteBuffer>)
                p -> FrameCodec.encode(h, p, FrameAuth.hmac("other-instance", SECRET))),
        Arguments.of(
            "a member's frame to rank 0, redirected to rank 1",
            (UnaryOperator<ByteBuffer>) p -> FrameCodec.encode(h, p, MEMBER.toReceiver(0))),
        Arguments.of(
            "a member's frame with its payload altered",
            (UnaryOperator<ByteBuffer>)
                p -> {
                  ByteBuffer f = FrameCodec.encode(h, p, TO_RANK_1);
                  f.put(FrameCodec.HEADER_BYTES, (byte) (f.get(FrameCodec.HEADER_BYTES) ^ 1));
                  return f;
                }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("foreignFrames")
  void aForeignFrameIsRefusedCountedAndItsConnectionCutWhileMembersKeepWorking(
      String what, UnaryOperator<ByteBuffer> forge) throws Exception {
    Transport[] t = mesh(2);
    List<Integer> peerErrors = new CopyOnWriteArrayList<>();
    t[0].addPeerErrorListener((peer, cause) -> peerErrors.add(peer));
    t[1].addPeerErrorListener((peer, cause) -> peerErrors.add(peer));

    try (Socket s = rawSocketTo(t[1])) {
      write(s, forge.apply(text("inject")));
      assertThat(readsToTheEnd(s)).as("the transport closed the connection").isTrue();
    }

    TransportStats stats = t[1].stats();
    assertThat(stats.droppedUnauthenticated()).isEqualTo(1);
    assertThat(stats.droppedMalformed()).isZero();
    assertThat(stats.messagesDelivered()).isZero();
    exchange(t[0], t[1], 7);
    exchange(t[0], t[1], 8);
    assertThat(peerErrors).isEmpty();
    assertThat(t[1].stats().droppedUnauthenticated()).isEqualTo(1);
    assertThat(t[1].stats().messagesDelivered()).isEqualTo(2);
  }

  @Test
  void aFrameSignedAsAMemberWouldSignItIsDeliveredFromARawSocket() throws Exception {
    Transport t = mesh(1)[0];
    MessageHeader h = new MessageHeader(0, 0, 0, 3, 1, Phase.COMBINE, 9);
    try (Socket s = rawSocketTo(t)) {
      write(s, FrameCodec.encode(h, text("signed"), MEMBER.toReceiver(0)));
      Message m = t.receive(h.key(), PATIENCE);
      assertThat(m.header()).isEqualTo(h);
      assertThat(text(m)).isEqualTo("signed");
    }
    assertThat(t.stats().droppedUnauthenticated()).isZero();
  }

  @Test
  void aReplayedFrameIsDroppedAsADuplicateInItsEpochAndAsStaleInALaterOne() throws Exception {
    Transport[] t = mesh(2);
    t[1].fence(new Fence(1, new long[] {1, 1}));
    MessageHeader original = new MessageHeader(0, 1, 1, 5, 0, Phase.COMBINE, 0);
    ByteBuffer recorded = FrameCodec.encode(original, text("expert output"), TO_RANK_1);

    try (Socket member = rawSocketTo(t[1])) {
      write(member, recorded);
      assertThat(text(t[1].receive(original.key(), PATIENCE))).isEqualTo("expert output");
    }
    try (Socket attacker = rawSocketTo(t[1])) {
      // The recorded frame again, then a marker on the same connection (handled in order).
      write(attacker, recorded);
      write(
          attacker,
          FrameCodec.encode(
              new MessageHeader(0, 1, 1, 6, 0, Phase.COMBINE, 0), text("marker"), TO_RANK_1));
      t[1].receive(new MessageKey(0, 1, 6, 0, Phase.COMBINE, 0), PATIENCE);
      assertThat(t[1].stats().droppedDuplicate()).as("replay in the same epoch").isEqualTo(1);

      t[1].fence(new Fence(2, new long[] {1, 1}));
      write(attacker, recorded);
      write(
          attacker,
          FrameCodec.encode(
              new MessageHeader(0, 1, 2, 0, 0, Phase.SYNC, 0), text("marker"), TO_RANK_1));
      t[1].receive(new MessageKey(0, 2, 0, 0, Phase.SYNC, 0), PATIENCE);
      assertThat(t[1].stats().droppedStaleEpoch()).as("replay in a later epoch").isEqualTo(1);
    }
    TransportStats s = t[1].stats();
    assertThat(s.messagesDelivered()).isEqualTo(3);
    assertThat(s.droppedUnauthenticated()).isZero();
    exchange(t[0], t[1], 1, 2, 1);
  }

  @Test
  void aStaleIncarnationIsRefusedAndCannotPassItselfOffAsTheNewOne() throws Exception {
    Transport[] t = mesh(2);
    // Rank 0 has rejoined as incarnation 2; incarnation 1's frames (validly signed by it) are
    // stale.
    t[1].fence(new Fence(3, new long[] {2, 1}));
    MessageHeader old = new MessageHeader(0, 1, 3, 0, 0, Phase.DISPATCH, 0);
    ByteBuffer oldFrame = FrameCodec.encode(old, text("from the old incarnation"), TO_RANK_1);

    try (Socket s = rawSocketTo(t[1])) {
      write(s, oldFrame);
      write(
          s,
          FrameCodec.encode(
              new MessageHeader(0, 2, 3, 1, 0, Phase.DISPATCH, 0), text("marker"), TO_RANK_1));
      t[1].receive(new MessageKey(0, 3, 1, 0, Phase.DISPATCH, 0), PATIENCE);
      assertThat(t[1].stats().droppedStaleIncarnation()).isEqualTo(1);
    }

    // The old frame with its incarnation field rewritten: its tag was made with incarnation 1's
    // key.
    ByteBuffer relabelled =
        ByteBuffer.allocate(oldFrame.remaining())
            .put(oldFrame.duplicate())
            .flip()
            .order(ByteOrder.LITTLE_ENDIAN);
    relabelled.putLong(8, 2);
    try (Socket s = rawSocketTo(t[1])) {
      write(s, relabelled);
      assertThat(readsToTheEnd(s)).isTrue();
    }
    TransportStats s = t[1].stats();
    assertThat(s.droppedUnauthenticated()).isEqualTo(1);
    assertThat(s.droppedStaleIncarnation()).isEqualTo(1);
    assertThat(s.messagesDelivered()).isEqualTo(1);
  }

  @Test
  void membersWithDifferentSecretsCannotTalk() throws Exception {
    TransportProvider tcp = Providers.find(TransportProvider.class, "tcp");
    Transport a = tcp.create(config(2).with("eep_secret", "one secret"), 0);
    open.add(a);
    Transport b = tcp.create(config(2).with("eep_secret", "another secret"), 1);
    open.add(b);
    // b refuses a's frame and closes the connection: a learns it as a broken link to b.
    CountDownLatch failed = new CountDownLatch(1);
    a.addPeerErrorListener((peer, cause) -> failed.countDown());
    a.connect(1, b.address());
    a.send(1, new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0), text("hello"));
    assertThat(failed.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(b.stats().droppedUnauthenticated()).isEqualTo(1);
    assertThat(b.stats().messagesDelivered()).isZero();
  }

  private static EepConfig config(int ranks) {
    return EepConfig.of(
        Map.of(
            "eep_transport",
            "tcp",
            "eep_instance",
            INSTANCE,
            "eep_max_ranks",
            ranks,
            "eep_secret",
            SECRET));
  }

  private Transport[] mesh(int n) {
    EepConfig cfg = config(n);
    TransportProvider tcp = Providers.find(TransportProvider.class, "tcp");
    Transport[] t = new Transport[n];
    for (int r = 0; r < n; r++) {
      t[r] = tcp.create(cfg, r);
      open.add(t[r]);
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

  private static void exchange(Transport a, Transport b, long step) throws InterruptedException {
    exchange(a, b, 0, 0, step);
  }

  private static void exchange(Transport a, Transport b, long incarnation, long epoch, long step)
      throws InterruptedException {
    a.send(
        b.rank(),
        new MessageHeader(a.rank(), incarnation, epoch, step, 0, Phase.DISPATCH, 0),
        text("a" + step));
    b.send(
        a.rank(),
        new MessageHeader(b.rank(), incarnation, epoch, step, 0, Phase.DISPATCH, 0),
        text("b" + step));
    assertThat(
            text(b.receive(new MessageKey(a.rank(), epoch, step, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("a" + step);
    assertThat(
            text(a.receive(new MessageKey(b.rank(), epoch, step, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("b" + step);
  }

  private static Socket rawSocketTo(Transport t) throws IOException {
    URI uri = URI.create(t.address());
    Socket s = new Socket(uri.getHost(), uri.getPort());
    s.setSoTimeout((int) PATIENCE.toMillis());
    return s;
  }

  private static void write(Socket s, ByteBuffer frame) throws IOException {
    byte[] bytes = new byte[frame.remaining()];
    frame.duplicate().get(bytes);
    OutputStream out = s.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  /**
   * True when the transport ends the stream (or resets it); it never writes on incoming
   * connections.
   */
  private static boolean readsToTheEnd(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      return in.read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(Message m) {
    ByteBuffer p = m.payload().duplicate();
    byte[] b = new byte[p.remaining()];
    p.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
