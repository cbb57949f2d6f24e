package org.eep.api.comm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire form of a data-plane message, shared by every byte-stream or tagged transport:
 * a fixed {@value #HEADER_BYTES}-byte little-endian header followed by the payload.
 *
 * <pre>
 * magic u16 (0xEE9A) | version u8 | phase u8 | sender i32 | incarnation i64 | epoch i64
 * | step i64 | layer i32 | tag i32 | payload length i32 | payload
 * </pre>
 *
 * Decoding checks every field and throws {@link MalformedFrameException} naming the first bad one;
 * it never reads past the buffer's limit. Stateless and thread-safe.
 */
public final class FrameCodec {
  public static final int HEADER_BYTES = 48;
  public static final short MAGIC = (short) 0xEE9A;
  public static final byte VERSION = 1;
  /** Largest payload accepted (256 MiB): a larger length field is malformed. */
  public static final int MAX_PAYLOAD = 256 << 20;

  private FrameCodec() {}

  /** Total frame size for a payload of {@code payloadBytes}. */
  public static int frameSize(int payloadBytes) {
    return HEADER_BYTES + payloadBytes;
  }

  /** Writes the header for a payload of {@code payloadBytes} at the buffer's position (advancing it). */
  public static void writeHeader(ByteBuffer out, MessageHeader h, int payloadBytes) {
    ByteOrder order = out.order();
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.putShort(MAGIC).put(VERSION).put((byte) h.phase().ordinal()).putInt(h.sender())
        .putLong(h.incarnation()).putLong(h.epoch()).putLong(h.step()).putInt(h.layer()).putInt(h.tag())
        .putInt(payloadBytes).putInt(0);
    out.order(order);
  }

  /** A new heap buffer holding the whole frame, flipped for reading. */
  public static ByteBuffer encode(MessageHeader h, ByteBuffer payload) {
    ByteBuffer out = ByteBuffer.allocate(frameSize(payload.remaining()));
    writeHeader(out, h, payload.remaining());
    out.put(payload.duplicate());
    return out.flip();
  }

  /** Reads a header at the buffer's position (advancing it past the header). */
  public static MessageHeader readHeader(ByteBuffer in) {
    if (in.remaining() < HEADER_BYTES) {
      throw new MalformedFrameException("frame shorter than its header: " + in.remaining() + " < " + HEADER_BYTES + " bytes");
    }
    ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
    short magic = b.getShort();
    if (magic != MAGIC) {
      throw new MalformedFrameException(String.format("bad magic 0x%04x", magic & 0xffff));
    }
    byte version = b.get();
    if (version != VERSION) {
      throw new MalformedFrameException("unsupported version " + version);
    }
    int phaseCode = b.get();
    Phase phase = Phase.ofCode(phaseCode);
    if (phase == null) {
      throw new MalformedFrameException("unknown phase code " + phaseCode);
    }
    int sender = b.getInt();
    long incarnation = b.getLong();
    long epoch = b.getLong();
    long step = b.getLong();
    int layer = b.getInt();
    int tag = b.getInt();
    int length = b.getInt();
    if (sender < 0 || incarnation < 0 || epoch < 0) {
      throw new MalformedFrameException("negative sender, incarnation or epoch");
    }
    if (length < 0 || length > MAX_PAYLOAD) {
      throw new MalformedFrameException("payload length " + length + " outside [0, " + MAX_PAYLOAD + "]");
    }
    in.position(in.position() + HEADER_BYTES);
    return new MessageHeader(sender, incarnation, epoch, step, layer, phase, tag);
  }

  /** The payload length field of the header at the buffer's position, without validating the rest. */
  public static int peekPayloadLength(ByteBuffer in) {
    return in.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(in.position() + 40);
  }

  /** Decodes one whole frame (header and exactly its payload). */
  public static Message decode(ByteBuffer frame) {
    ByteBuffer in = frame.duplicate();
    int length = in.remaining() >= HEADER_BYTES ? peekPayloadLength(in) : -1;
    MessageHeader header = readHeader(in);
    if (in.remaining() != length) {
      throw new MalformedFrameException("payload length field says " + length + " bytes, frame carries " + in.remaining());
    }
    return new Message(header, in.slice().asReadOnlyBuffer());
  }
}
