package org.eep.comm.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.UnauthenticatedFrameException;
import org.junit.jupiter.api.Test;

/** The decoder alone, on an in-memory channel: frame boundaries wherever the stream is cut. */
class FrameDecoderTest {
  private final List<MalformedFrameException> malformed = new ArrayList<>();
  private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(malformed::add));

  @Test
  void framesCutAtEveryByteAreReassembled() {
    MessageHeader h = new MessageHeader(3, 2, 5, 11, 4, Phase.COMBINE, 7);
    byte[] payload = new byte[300];
    new Random(1).nextBytes(payload);
    ByteBuffer frames =
        concat(
            FrameCodec.encode(h, ByteBuffer.wrap(payload)),
            FrameCodec.encode(h, ByteBuffer.allocate(0)));
    while (frames.hasRemaining()) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {frames.get()}));
    }
    Message first = channel.readInbound();
    Message second = channel.readInbound();
    assertThat(first.header()).isEqualTo(h);
    assertThat(first.payload()).isEqualTo(ByteBuffer.wrap(payload));
    assertThat(second.payload().remaining()).isZero();
    Message none = channel.readInbound();
    assertThat(none).isNull();
    assertThat(malformed).isEmpty();
  }

  @Test
  void severalFramesInOneReadComeOutInOrder() {
    ByteBuffer all = ByteBuffer.allocate(0);
    for (int step = 0; step < 5; step++) {
      all =
          concat(
              all,
              FrameCodec.encode(
                  new MessageHeader(1, 0, 0, step, 0, Phase.DISPATCH, 0),
                  ByteBuffer.wrap(new byte[step])));
    }
    channel.writeInbound(Unpooled.wrappedBuffer(all));
    for (int step = 0; step < 5; step++) {
      Message m = channel.readInbound();
      assertThat(m.header().step()).isEqualTo(step);
      assertThat(m.payload().remaining()).isEqualTo(step);
    }
  }

  @Test
  void aBadHeaderIsReportedOnceTheRestDiscardedAndTheChannelClosed() {
    ByteBuffer bad =
        FrameCodec.encode(
            new MessageHeader(1, 0, 0, 0, 0, Phase.DISPATCH, 0), ByteBuffer.allocate(4));
    bad.put(0, (byte) 0);
    ByteBuf in =
        Unpooled.wrappedBuffer(
            concat(
                bad,
                FrameCodec.encode(
                    new MessageHeader(1, 0, 0, 1, 0, Phase.DISPATCH, 0), ByteBuffer.allocate(0))));
    channel.writeInbound(in);
    Message none = channel.readInbound();
    assertThat(none).isNull();
    assertThat(malformed)
        .singleElement()
        .satisfies(e -> assertThat(e).hasMessageContaining("magic"));
    assertThat(channel.isOpen()).isFalse();
    assertThat(in.refCnt()).isZero();
  }

  private static ByteBuffer concat(ByteBuffer a, ByteBuffer b) {
    return ByteBuffer.allocate(a.remaining() + b.remaining())
        .put(a.duplicate())
        .put(b.duplicate())
        .flip();
  }

  @Test
  void authenticatedFramesCutAtEveryByteAreReassembledAndVerified() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret");
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(auth, malformed::add));
    MessageHeader h = new MessageHeader(3, 2, 5, 11, 4, Phase.COMBINE, 7);
    byte[] payload = new byte[300];
    new Random(2).nextBytes(payload);
    ByteBuffer frames =
        concat(
            FrameCodec.encode(h, ByteBuffer.wrap(payload), auth),
            FrameCodec.encode(h, ByteBuffer.allocate(0), auth));
    while (frames.hasRemaining()) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {frames.get()}));
    }
    Message first = ch.readInbound();
    Message second = ch.readInbound();
    assertThat(first.payload()).isEqualTo(ByteBuffer.wrap(payload));
    assertThat(second.payload().remaining()).isZero();
    assertThat(malformed).isEmpty();
  }

  @Test
  void aLargeAuthenticatedPayloadArrivesWholeThroughTheGrowingBuffer() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret");
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(auth, malformed::add));
    byte[] payload = new byte[FrameDecoder.FIRST_CHUNK * 3 + 17];
    new Random(3).nextBytes(payload);
    ByteBuffer frame =
        FrameCodec.encode(
            new MessageHeader(1, 1, 1, 1, 0, Phase.WEIGHTS, 2), ByteBuffer.wrap(payload), auth);
    while (frame.hasRemaining()) {
      ByteBuffer chunk = frame.slice(frame.position(), Math.min(frame.remaining(), 100_000));
      frame.position(frame.position() + chunk.remaining());
      ch.writeInbound(Unpooled.copiedBuffer(chunk));
    }
    Message m = ch.readInbound();
    assertThat(m.payload()).isEqualTo(ByteBuffer.wrap(payload));
    assertThat(malformed).isEmpty();
  }

  @Test
  void aFrameWithABadOrMissingTagIsReportedAsUnauthenticatedAndTheChannelClosed() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret");
    MessageHeader h = new MessageHeader(1, 0, 0, 0, 0, Phase.DISPATCH, 0);
    for (ByteBuffer bad :
        List.of(
            FrameCodec.encode(h, ByteBuffer.allocate(4)),
            FrameCodec.encode(h, ByteBuffer.allocate(4), FrameAuth.hmac("inst", "guess")))) {
      List<MalformedFrameException> refused = new ArrayList<>();
      EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(auth, refused::add));
      ch.writeInbound(
          Unpooled.wrappedBuffer(concat(bad, FrameCodec.encode(h, ByteBuffer.allocate(0), auth))));
      Message none = ch.readInbound();
      assertThat(none).isNull();
      assertThat(refused).singleElement().isInstanceOf(UnauthenticatedFrameException.class);
      assertThat(ch.isOpen()).isFalse();
    }
  }
}
