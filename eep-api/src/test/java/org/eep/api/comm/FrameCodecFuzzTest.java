package org.eep.api.comm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Fuzzes {@link FrameCodec#decode} with and without authentication. Properties: decoding any bytes
 * either returns a message or throws {@link MalformedFrameException} (any other exception, or a
 * hang, is a finding); an accepted frame is canonical (re-encoding its message gives the same
 * bytes); a validly tagged frame with any one bit flipped is never accepted.
 *
 * <p>Input: the first byte picks the mode (low two bits), the rest is the frame material:
 *
 * <ol start="0">
 *   <li>the bytes as a frame, no authentication;
 *   <li>the bytes as a frame, with authentication (a random tag practically never verifies: this
 *       explores the refusals);
 *   <li>the bytes with the authenticated flag set and a valid tag appended, as a member would send
 *       them: refused only for a bad header or length;
 *   <li>as 2, then one bit flipped (its index from the last input byte): always refused.
 * </ol>
 *
 * Without {@code JAZZER_FUZZ} this runs the seed corpus in {@code
 * src/test/resources/org/eep/api/comm/FrameCodecFuzzTestInputs/decode/}; the build's surefire
 * execution {@code fuzz} fuzzes it for {@code maxDuration}.
 */
class FrameCodecFuzzTest {
  static final FrameAuth AUTH = FrameAuth.hmac("fuzz", "fuzz-secret").toReceiver(0);

  @FuzzTest(maxDuration = "15s")
  void decode(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] material = Arrays.copyOfRange(input, 1, input.length);
    switch (input[0] & 3) {
      case 0 -> decodeOrRefuse(material, FrameAuth.none());
      case 1 -> decodeOrRefuse(material, AUTH);
      case 2 -> decodeOrRefuse(signed(material), AUTH);
      default -> {
        byte[] frame = signed(material);
        int bit = Math.floorMod(input[input.length - 1], frame.length * 8);
        frame[bit / 8] ^= (byte) (1 << (bit % 8));
        if (decodeOrRefuse(frame, AUTH)) {
          throw new AssertionError("a tagged frame with bit " + bit + " flipped was accepted");
        }
      }
    }
  }

  /**
   * True if the frame was accepted (and then checked to be canonical); false if refused as
   * malformed.
   */
  static boolean decodeOrRefuse(byte[] frame, FrameAuth auth) {
    // Not at position 0 of its buffer, to catch absolute/relative index mix-ups.
    ByteBuffer buffer = ByteBuffer.allocate(frame.length + 3);
    buffer.position(3);
    buffer.put(frame).position(3);
    Message m;
    try {
      m = FrameCodec.decode(buffer, auth);
    } catch (MalformedFrameException refused) {
      return false;
    }
    if (buffer.position() != 3) {
      throw new AssertionError("decode moved the frame's position");
    }
    ByteBuffer again = FrameCodec.encode(m.header(), m.payload(), auth);
    if (!again.equals(ByteBuffer.wrap(frame))) {
      throw new AssertionError(
          "an accepted frame is not canonical: re-encoding " + m.header() + " differs");
    }
    return true;
  }

  /**
   * {@code material} with the authenticated flag set (if it holds a header) and a valid tag
   * appended.
   */
  static byte[] signed(byte[] material) {
    byte[] frame = Arrays.copyOf(material, material.length + FrameAuth.TAG_BYTES);
    ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
    int sender = 0;
    long incarnation = 0;
    if (material.length >= FrameCodec.HEADER_BYTES) {
      b.putInt(
          FrameCodec.FLAGS_OFFSET,
          b.getInt(FrameCodec.FLAGS_OFFSET) | FrameCodec.FLAG_AUTHENTICATED);
      sender = b.getInt(4);
      incarnation = b.getLong(8);
    }
    int split = Math.min(FrameCodec.HEADER_BYTES, material.length);
    byte[] tag =
        AUTH.tag(
            sender,
            incarnation,
            ByteBuffer.wrap(frame, 0, split),
            ByteBuffer.wrap(frame, split, material.length - split));
    System.arraycopy(tag, 0, frame, material.length, tag.length);
    return frame;
  }
}
