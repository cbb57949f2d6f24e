package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.Fence;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.comm.TransportStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code ucx} transport with frame authentication, fed by a bare JUCX worker ({@link RawPeer})
 * that does not know the secret, or replays what it recorded. Frames of one endpoint arrive in
 * order, so the marker frame received last proves the ones before it were handled.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UcxAuthenticationTest {
  private static final FrameAuth MEMBER =
      FrameAuth.hmac("ucx-auth", "correct horse battery staple");

  @Test
  void foreignAndRedirectedFramesAreRefusedAndCountedReplaysAreDroppedAndMembersGetThrough()
      throws Exception {
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(0, 2, "127.0.0.1", 0), MEMBER);
        RawPeer raw = new RawPeer(1)) {
      t.fence(new Fence(1, new long[] {1, 1}));
      raw.connect(t.address());
      MessageHeader h = new MessageHeader(1, 1, 1, 4, 0, Phase.DISPATCH, 0);
      raw.send(bytes(FrameCodec.encode(h, text("no tag"))));
      raw.send(
          bytes(FrameCodec.encode(h, text("wrong secret"), FrameAuth.hmac("ucx-auth", "guess"))));
      raw.send(bytes(FrameCodec.encode(h, text("meant for rank 1"), MEMBER.toReceiver(1))));
      byte[] recorded = bytes(FrameCodec.encode(h, text("a member's frame"), MEMBER.toReceiver(0)));
      raw.send(recorded);
      raw.send(recorded);
      MessageHeader marker = new MessageHeader(1, 1, 1, 5, 0, Phase.DISPATCH, 0);
      raw.send(bytes(FrameCodec.encode(marker, text("marker"), MEMBER.toReceiver(0))));

      assertThat(text(receive(t, raw, marker))).isEqualTo("marker");
      assertThat(text(t.receive(h.key(), Duration.ZERO))).isEqualTo("a member's frame");
      TransportStats s = t.stats();
      assertThat(s.droppedUnauthenticated()).isEqualTo(3);
      assertThat(s.droppedDuplicate()).isEqualTo(1);
      assertThat(s.droppedMalformed()).isZero();
      assertThat(s.messagesDelivered()).isEqualTo(2);
    }
  }

  @Test
  void framesAreTaggedOnTheWire() throws Exception {
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(0, 2, "127.0.0.1", 0), MEMBER);
        RawPeer listener = new RawPeer(1)) {
      t.connect(1, listener.address());
      MessageHeader h = new MessageHeader(0, 0, 0, 1, 0, Phase.COMBINE, 0);
      t.send(1, h, text("tagged"));
      ByteBuffer frame = listener.receive(1).get(0);
      assertThat(frame.remaining()).isEqualTo(FrameCodec.frameSize(6, MEMBER));
      assertThat(FrameCodec.decode(frame, MEMBER.toReceiver(1)).header()).isEqualTo(h);
    }
  }

  private static Message receive(UcxTransport t, RawPeer raw, MessageHeader h)
      throws InterruptedException {
    while (true) {
      raw.progress();
      try {
        return t.receive(h.key(), Duration.ofMillis(5));
      } catch (ReceiveTimeoutException notYet) {
        // keep the raw worker progressing until the frame is through
      }
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(Message m) {
    return StandardCharsets.UTF_8.decode(m.payload().duplicate()).toString();
  }
}
