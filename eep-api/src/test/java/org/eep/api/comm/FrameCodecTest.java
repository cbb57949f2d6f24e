package org.eep.api.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private final MessageHeader header = new MessageHeader(3, 2, 9, 1234, 5, Phase.COMBINE, 7);

  @Test
  void roundTripsHeaderAndPayload() {
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(frame.remaining()).isEqualTo(FrameCodec.HEADER_BYTES + 3);
    Message m = FrameCodec.decode(frame);
    assertThat(m.header()).isEqualTo(header);
    assertThat(m.payload()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
  }

  @Test
  void rejectsATruncatedFrameNamingTheProblem() {
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.wrap(new byte[10]));
    frame.limit(frame.limit() - 1);
    assertThatThrownBy(() -> FrameCodec.decode(frame))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessage("payload length field says 10 bytes, frame carries 9");
    assertThatThrownBy(() -> FrameCodec.decode(ByteBuffer.allocate(5)))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("shorter than its header");
  }

  @Test
  void rejectsBadMagicAndUnknownPhase() {
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.allocate(0));
    ByteBuffer badMagic = frame.duplicate();
    badMagic.put(0, (byte) 0);
    assertThatThrownBy(() -> FrameCodec.decode(badMagic)).hasMessageContaining("bad magic");
    ByteBuffer badPhase = FrameCodec.encode(header, ByteBuffer.allocate(0));
    badPhase.put(3, (byte) 99);
    assertThatThrownBy(() -> FrameCodec.decode(badPhase)).hasMessage("unknown phase code 99");
  }

  @Test
  void theFormerlyReservedFieldIsFlagsAndUnknownBitsAreMalformed() {
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.allocate(0));
    assertThat(frame.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(FrameCodec.FLAGS_OFFSET))
        .isZero();
    frame.putInt(FrameCodec.FLAGS_OFFSET, 0x10);
    assertThatThrownBy(() -> FrameCodec.decode(frame))
        .isExactlyInstanceOf(MalformedFrameException.class)
        .hasMessage("unknown flags 0x00000010");
  }

  @Test
  void anAuthenticatedFrameRoundTripsAndCarriesItsTagAfterThePayload() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1, 2, 3}), auth);
    assertThat(frame.remaining())
        .isEqualTo(FrameCodec.HEADER_BYTES + 3 + FrameAuth.TAG_BYTES)
        .isEqualTo(FrameCodec.frameSize(3, auth));
    assertThat(frame.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(FrameCodec.FLAGS_OFFSET))
        .isEqualTo(FrameCodec.FLAG_AUTHENTICATED);
    Message m = FrameCodec.decode(frame, auth);
    assertThat(m.header()).isEqualTo(header);
    assertThat(m.payload()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(frame.position()).isZero();
  }

  @Test
  void everyByteOfAnAuthenticatedFrameIsCovered() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer good = FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1, 2, 3}), auth);
    for (int i = 0; i < good.remaining(); i++) {
      ByteBuffer bad = ByteBuffer.allocate(good.remaining()).put(good.duplicate()).flip();
      bad.put(i, (byte) (bad.get(i) ^ 0x01));
      int at = i;
      assertThatThrownBy(() -> FrameCodec.decode(bad, auth))
          .as("byte %d flipped", at)
          .isInstanceOf(MalformedFrameException.class);
    }
  }

  @Test
  void aMissingOrWrongTagIsUnauthenticated() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer plain = FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1}));
    assertThatThrownBy(() -> FrameCodec.decode(plain, auth))
        .isInstanceOf(UnauthenticatedFrameException.class)
        .hasMessageContaining("carries no authentication tag");

    ByteBuffer otherSecret =
        FrameCodec.encode(
            header, ByteBuffer.wrap(new byte[] {1}), FrameAuth.hmac("inst", "another-secret"));
    assertThatThrownBy(() -> FrameCodec.decode(otherSecret, auth))
        .isInstanceOf(UnauthenticatedFrameException.class)
        .hasMessageContaining("bad authentication tag on a frame claiming rank 3 incarnation 2");

    ByteBuffer otherInstance =
        FrameCodec.encode(
            header, ByteBuffer.wrap(new byte[] {1}), FrameAuth.hmac("other", "s3cret-s3cret"));
    assertThatThrownBy(() -> FrameCodec.decode(otherInstance, auth))
        .isInstanceOf(UnauthenticatedFrameException.class);
  }

  @Test
  void aTagIsBoundToTheIncarnationItWasMadeFor() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer frame =
        FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1}), auth)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    frame.putLong(8, header.incarnation() + 1);
    assertThatThrownBy(() -> FrameCodec.decode(frame, auth))
        .isInstanceOf(UnauthenticatedFrameException.class)
        .hasMessageContaining("incarnation 3");
    ByteBuffer forOtherSender =
        FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {1}), auth)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    forOtherSender.putInt(4, 0);
    assertThatThrownBy(() -> FrameCodec.decode(forOtherSender, auth))
        .isInstanceOf(UnauthenticatedFrameException.class);
  }

  @Test
  void aTaggedFrameToAnEndpointWithoutSecretIsMalformedNamingTheSetting() {
    ByteBuffer tagged =
        FrameCodec.encode(
            header, ByteBuffer.wrap(new byte[] {1}), FrameAuth.hmac("inst", "s3cret-s3cret"));
    assertThatThrownBy(() -> FrameCodec.decode(tagged))
        .isExactlyInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("disagree about eep_secret");
  }

  @Test
  void aTruncatedAuthenticatedFrameSaysWhatWasExpected() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer frame = FrameCodec.encode(header, ByteBuffer.wrap(new byte[10]), auth);
    frame.limit(frame.limit() - 1);
    assertThatThrownBy(() -> FrameCodec.decode(frame, auth))
        .isExactlyInstanceOf(MalformedFrameException.class)
        .hasMessage("payload length field says 10 bytes plus a 32-byte tag, frame carries 41");
  }

  @Test
  void appendTagSignsAFrameBuiltInPlaceAfterOtherBytes() {
    FrameAuth auth = FrameAuth.hmac("inst", "s3cret-s3cret");
    ByteBuffer out = ByteBuffer.allocateDirect(7 + FrameCodec.frameSize(2, auth));
    out.position(7);
    FrameCodec.writeHeader(out, header, 2, auth);
    out.put((byte) 5).put((byte) 6);
    FrameCodec.appendTag(out, 7, header, auth);
    assertThat(out.hasRemaining()).isFalse();
    out.position(7);
    assertThat(FrameCodec.decode(out, auth).payload())
        .isEqualTo(ByteBuffer.wrap(new byte[] {5, 6}));
    assertThat(out).isEqualTo(FrameCodec.encode(header, ByteBuffer.wrap(new byte[] {5, 6}), auth));
  }
}
