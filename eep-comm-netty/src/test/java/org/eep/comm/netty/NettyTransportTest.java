package org.eep.comm.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;
import org.eep.api.spi.UnknownProviderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the contract kit does not cover: the wire, malformed input, broken peers, discovery. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyTransportTest {
  /** A liveness bound for waits that must succeed, not a speed check. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final List<Transport> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(Transport::close);
  }

  @Test
  void isFoundByNameAndListensOnTheConfiguredHost() {
    Transport t = mesh(1)[0];
    assertThat(Providers.find(TransportProvider.class, "tcp"))
        .isInstanceOf(NettyTransportProvider.class);
    assertThat(t.address()).matches("tcp://127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void anUnknownNameFailsListingTheNamesPresent() {
    assertThatThrownBy(() -> Providers.find(TransportProvider.class, "tpc"))
        .isInstanceOf(UnknownProviderException.class)
        .hasMessageContaining("tcp")
        .hasMessageContaining("local");
  }

  @Test
  void itsConfigKeysAreAccepted() {
    EepConfig cfg =
        EepConfig.of(Map.of("option.eep_transport", "tcp", "eep_tcp_io_threads", 2))
            .with(Map.of("eep_tcp_connect_timeout_ms", 500));
    assertThat(cfg.getInt(NettyTransportProvider.IO_THREADS)).isEqualTo(2);
    assertThat(cfg.getInt(NettyTransportProvider.CONNECT_TIMEOUT_MS)).isEqualTo(500);
  }

  @Test
  void aFrameWrittenWithFrameCodecByARawSocketIsDelivered() throws Exception {
    Transport t = mesh(1)[0];
    MessageHeader h = new MessageHeader(0, 0, 0, 3, 1, Phase.COMBINE, 9);
    try (Socket s = rawSocketTo(t)) {
      write(s, FrameCodec.encode(h, text("raw")));
      Message m = t.receive(h.key(), PATIENCE);
      assertThat(m.header()).isEqualTo(h);
      assertThat(text(m)).isEqualTo("raw");
    }
  }

  static Stream<Arguments> malformedHeaders() {
    return Stream.of(
        Arguments.of("bad magic", (Consumer<ByteBuffer>) b -> b.putShort(0, (short) 0x1234)),
        Arguments.of("unsupported version", (Consumer<ByteBuffer>) b -> b.put(2, (byte) 9)),
        Arguments.of("unknown phase", (Consumer<ByteBuffer>) b -> b.put(3, (byte) 42)),
        Arguments.of("negative epoch", (Consumer<ByteBuffer>) b -> b.putLong(16, -1)),
        Arguments.of(
            "payload length over the limit",
            (Consumer<ByteBuffer>) b -> b.putInt(40, FrameCodec.MAX_PAYLOAD + 1)),
        Arguments.of("negative payload length", (Consumer<ByteBuffer>) b -> b.putInt(40, -5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedHeaders")
  void aMalformedFrameIsDroppedCountedAndItsConnectionClosedWhileOtherPeersKeepWorking(
      String what, Consumer<ByteBuffer> corrupt) throws Exception {
    Transport[] t = mesh(2);
    List<Integer> peerErrors = new CopyOnWriteArrayList<>();
    t[0].addPeerErrorListener((peer, cause) -> peerErrors.add(peer));
    t[1].addPeerErrorListener((peer, cause) -> peerErrors.add(peer));
    MessageHeader good = new MessageHeader(0, 0, 0, 1, 0, Phase.DISPATCH, 0);
    ByteBuffer bad =
        FrameCodec.encode(new MessageHeader(0, 0, 0, 2, 0, Phase.DISPATCH, 0), text("x"))
            .order(ByteOrder.LITTLE_ENDIAN);
    corrupt.accept(bad);

    try (Socket s = rawSocketTo(t[1])) {
      // One write: the transport may close the connection as soon as it sees the bad frame.
      write(
          s,
          concat(
              FrameCodec.encode(good, text("before")),
              bad,
              FrameCodec.encode(
                  new MessageHeader(0, 0, 0, 3, 0, Phase.DISPATCH, 0), text("after"))));
      assertThat(text(t[1].receive(good.key(), PATIENCE))).isEqualTo("before");
      assertThat(readsToTheEnd(s)).as("the transport closed the connection").isTrue();
    }

    assertThat(t[1].stats().droppedMalformed()).isEqualTo(1);
    assertThat(t[1].stats().messagesDelivered()).isEqualTo(1);
    exchange(t[0], t[1], 7);
    exchange(t[0], t[1], 8);
    assertThat(peerErrors).isEmpty();
    assertThat(t[1].stats().droppedMalformed()).isEqualTo(1);
  }

  @Test
  void aSendToAPeerKnownToBeBrokenThrowsPeerFailed() throws Exception {
    Transport[] t = mesh(3);
    CountDownLatch reported = new CountDownLatch(1);
    t[0].addPeerErrorListener(
        (peer, cause) -> {
          if (peer == 2) {
            reported.countDown();
          }
        });
    t[2].close();
    assertThat(reported.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .as("rank 2's failure reported")
        .isTrue();

    assertThatThrownBy(
            () -> t[0].send(2, new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0), text("hello?")))
        .isInstanceOf(PeerFailedException.class)
        .satisfies(e -> assertThat(((PeerFailedException) e).peer()).isEqualTo(2));
    assertThatThrownBy(() -> t[0].receive(new MessageKey(2, 0, 0, 0, Phase.CONTROL, 0), PATIENCE))
        .isInstanceOf(PeerFailedException.class);
    exchange(t[0], t[1], 1);
  }

  @Test
  void aSendToAPeerNeverConnectedThrows() {
    Transport t = mesh(2)[0];
    t.disconnect(1);
    assertThatThrownBy(
            () -> t.send(1, new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0), text("x")))
        .isInstanceOf(TransportException.class)
        .isNotInstanceOf(PeerFailedException.class)
        .hasMessageContaining("no connection to rank 1");
  }

  @Test
  void connectingToANonListeningAddressThrowsPeerFailed() throws Exception {
    Transport[] t = mesh(2);
    String gone = t[1].address();
    t[1].close();
    assertThatThrownBy(() -> t[0].reconnect(1, gone))
        .isInstanceOf(PeerFailedException.class)
        .hasMessageContaining(gone);
    assertThatThrownBy(() -> t[0].connect(1, "ucx://somewhere"))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("tcp://HOST:PORT");
  }

  @Test
  void theCallersPayloadIsNotKeptAfterSendReturns() throws Exception {
    Transport[] t = mesh(2);
    ByteBuffer reused = ByteBuffer.allocateDirect(64 << 10);
    for (int step = 0; step < 4; step++) {
      reused.clear();
      while (reused.hasRemaining()) {
        reused.put((byte) step);
      }
      t[0].send(1, new MessageHeader(0, 0, 0, step, 0, Phase.WEIGHTS, 0), reused.flip());
    }
    for (int step = 0; step < 4; step++) {
      ByteBuffer got =
          t[1].receive(new MessageKey(0, 0, step, 0, Phase.WEIGHTS, 0), PATIENCE).payload();
      assertThat(got.remaining()).isEqualTo(64 << 10);
      assertThat(got.get(0)).isEqualTo((byte) step);
      assertThat(got.get((64 << 10) - 1)).isEqualTo((byte) step);
    }
    assertThat(t[0].stats().bytesSent()).isEqualTo(4L * (64 << 10));
  }

  @Test
  void aHeaderTheReceiverWouldRejectIsRefusedBeforeItCostsTheConnection() throws Exception {
    Transport[] t = mesh(2);
    assertThatThrownBy(
            () -> t[0].send(1, new MessageHeader(0, 0, -1, 0, 0, Phase.CONTROL, 0), text("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    exchange(t[0], t[1], 1);
    assertThat(t[1].stats().droppedMalformed()).isZero();
  }

  private Transport[] mesh(int n) {
    EepConfig cfg = EepConfig.of(Map.of("eep_transport", "tcp", "eep_max_ranks", n));
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
    a.send(
        b.rank(), new MessageHeader(a.rank(), 0, 0, step, 0, Phase.DISPATCH, 0), text("a" + step));
    b.send(
        a.rank(), new MessageHeader(b.rank(), 0, 0, step, 0, Phase.DISPATCH, 0), text("b" + step));
    assertThat(text(b.receive(new MessageKey(a.rank(), 0, step, 0, Phase.DISPATCH, 0), PATIENCE)))
        .isEqualTo("a" + step);
    assertThat(text(a.receive(new MessageKey(b.rank(), 0, step, 0, Phase.DISPATCH, 0), PATIENCE)))
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

  private static ByteBuffer concat(ByteBuffer... parts) {
    ByteBuffer all = ByteBuffer.allocate(Stream.of(parts).mapToInt(ByteBuffer::remaining).sum());
    Stream.of(parts).forEach(p -> all.put(p.duplicate()));
    return all.flip();
  }

  /** True when the peer ends the stream (or resets it); the transport never writes on it. */
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
