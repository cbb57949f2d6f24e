package org.eep.djl.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.eep.djl.wire.ControlCodec.Word;
import org.junit.jupiter.api.Test;

class ControlCodecTest {
  @Test
  void aWordSurvivesTheWire() {
    Word w = new Word(true, 42, new long[] {3, 0, 7});
    assertThat(ControlCodec.decode(ControlCodec.encode(w))).isEqualTo(w);
    Word none = new Word(false, -1, new long[0]);
    assertThat(ControlCodec.decode(ControlCodec.encode(none))).isEqualTo(none);
  }

  @Test
  void anEmptyPayloadIsNoWord() {
    assertThat(ControlCodec.decode(ByteBuffer.allocate(0))).isEqualTo(Word.NONE);
  }

  @Test
  void aMalformedWordIsRefusedNamingWhatIsWrong() {
    ByteBuffer truncated = ControlCodec.encode(new Word(false, 1, new long[] {1, 2}));
    truncated.limit(truncated.limit() - 3);
    assertThatThrownBy(() -> ControlCodec.decode(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 loads");
    assertThatThrownBy(() -> ControlCodec.decode(ByteBuffer.allocate(4)))
        .hasMessageContaining("4 bytes");
  }
}
