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
    assertThatThrownBy(() -> FrameCodec.decode(frame)).isInstanceOf(MalformedFrameException.class)
        .hasMessage("payload length field says 10 bytes, frame carries 9");
    assertThatThrownBy(() -> FrameCodec.decode(ByteBuffer.allocate(5))).isInstanceOf(MalformedFrameException.class)
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
}
