package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What arrives from a peer that does not speak EEP frames, and what leaves for a peer that is not
 * reading yet.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UcxFramesTest {

  @Test
  void framesThatDoNotDecodeAreCountedAsMalformedAndDropped() throws Exception {
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(0, 2, "127.0.0.1", 0));
        RawPeer raw = new RawPeer(1)) {
      raw.connect(t.address());
      raw.send(new byte[10]);
      raw.send(new byte[FrameCodec.HEADER_BYTES]);
      MessageHeader header = new MessageHeader(1, 0, 0, 3, 0, Phase.DISPATCH, 0);
      ByteBuffer valid =
          FrameCodec.encode(
              header, ByteBuffer.wrap("after the garbage".getBytes(StandardCharsets.UTF_8)));
      byte[] bytes = new byte[valid.remaining()];
      valid.get(bytes);
      raw.send(bytes);

      Message m = null;
      while (m == null) {
        raw.progress();
        try {
          m = t.receive(header.key(), java.time.Duration.ofMillis(5));
        } catch (ReceiveTimeoutException notYet) {
          // keep the raw worker progressing until the frame is through
        }
      }
      assertThat(StandardCharsets.UTF_8.decode(m.payload()).toString())
          .isEqualTo("after the garbage");
      assertThat(t.stats().droppedMalformed()).isEqualTo(2);
      assertThat(t.stats().messagesDelivered()).isEqualTo(1);
    }
  }

  @Test
  void sendReturnsWhileThePeerDoesNotRead() throws Exception {
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(0, 2, "127.0.0.1", 0));
        RawPeer silent = new RawPeer(1)) {
      t.connect(1, silent.address());
      ByteBuffer payload = ByteBuffer.allocateDirect(1 << 20);
      for (int step = 0; step < 32; step++) {
        t.send(1, new MessageHeader(0, 0, 0, step, 0, Phase.DISPATCH, 0), payload);
        assertThat(payload.remaining())
            .as("the caller's buffer is left as it was")
            .isEqualTo(1 << 20);
      }
      assertThat(t.stats().messagesSent()).isEqualTo(32);
      assertThat(t.stats().bytesSent()).isEqualTo(32L << 20);

      List<ByteBuffer> frames = silent.receive(32);
      assertThat(frames)
          .hasSize(32)
          .allSatisfy(f -> assertThat(f.capacity()).isEqualTo(FrameCodec.frameSize(1 << 20)));
    }
  }
}
