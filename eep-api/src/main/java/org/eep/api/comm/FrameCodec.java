package org.eep.api.comm;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire form of a data-plane message, shared by every byte-stream or tagged transport: a fixed
 * {@value #HEADER_BYTES}-byte little-endian header, the payload, and — when the instance has an
 * {@code eep_secret} — a {@value FrameAuth#TAG_BYTES}-byte authentication tag.
 *
 * <pre>
 * magic u16 (0xEE9A) | version u8 | phase u8 | sender i32 | incarnation i64 | epoch i64
 * | step i64 | layer i32 | tag i32 | payload length i32 | flags u32 | payload
 * [| HMAC-SHA256 tag, 32 bytes, when flags has {@link #FLAG_AUTHENTICATED}]
 * </pre>
 *
 * The authentication tag (see {@link FrameAuth}) covers the destination rank (not sent), the whole
 * header and the payload. The flags field (formerly reserved, always 0) has one defined bit; a
 * frame with any other bit set is malformed. Whether a tag is required is the receiver's setting,
 * never the frame's: with authentication on, a frame without the flag is refused as {@link
 * UnauthenticatedFrameException}; with it off, a frame with the flag is refused as malformed (the
 * two ends disagree about {@code eep_secret}).
 *
 * <p>Decoding checks every field and throws {@link MalformedFrameException} (or its subtype {@link
 * UnauthenticatedFrameException}) naming the first bad one; it never reads past the buffer's limit.
 * The methods without a {@link FrameAuth} are those of an open instance ({@link FrameAuth#none()}).
 * Stateless and thread-safe.
 */
public final class FrameCodec {
  public static final int HEADER_BYTES = 48;
  public static final short MAGIC = (short) 0xEE9A;
  public static final byte VERSION = 1;

  /** Largest payload accepted (256 MiB): a larger length field is malformed. */
  public static final int MAX_PAYLOAD = 256 << 20;

  /** Flags bit: the payload is followed by a {@link FrameAuth} tag. */
  public static final int FLAG_AUTHENTICATED = 1;

  /** Offset of the payload length field in the header. */
  public static final int LENGTH_OFFSET = 40;

  /** Offset of the flags field in the header. */
  public static final int FLAGS_OFFSET = 44;

  private static final int KNOWN_FLAGS = FLAG_AUTHENTICATED;

  private FrameCodec() {}

  /** Total frame size for a payload of {@code payloadBytes}, without authentication. */
  public static int frameSize(int payloadBytes) {
    return HEADER_BYTES + payloadBytes;
  }

  /**
   * Total frame size for a payload of {@code payloadBytes}, with the tag {@code auth} adds (if
   * any).
   */
  public static int frameSize(int payloadBytes, FrameAuth auth) {
    return HEADER_BYTES + payloadBytes + auth.tagBytes();
  }

  /**
   * Writes the header of an unauthenticated frame; see {@link #writeHeader(ByteBuffer,
   * MessageHeader, int, FrameAuth)}.
   */
  public static void writeHeader(ByteBuffer out, MessageHeader h, int payloadBytes) {
    writeHeader(out, h, payloadBytes, FrameAuth.none());
  }

  /**
   * Writes the header for a payload of {@code payloadBytes} at the buffer's position (advancing
   * it), with the {@link #FLAG_AUTHENTICATED} flag if {@code auth} is enabled. An authenticated
   * frame must then be completed with the payload and {@link #appendTag}.
   */
  public static void writeHeader(
      ByteBuffer out, MessageHeader h, int payloadBytes, FrameAuth auth) {
    requireNonNull(auth, "auth is null");
    ByteOrder order = out.order();
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.putShort(MAGIC)
        .put(VERSION)
        .put((byte) h.phase().ordinal())
        .putInt(h.sender())
        .putLong(h.incarnation())
        .putLong(h.epoch())
        .putLong(h.step())
        .putInt(h.layer())
        .putInt(h.tag())
        .putInt(payloadBytes)
        .putInt(auth.enabled() ? FLAG_AUTHENTICATED : 0);
    out.order(order);
  }

  /**
   * Appends the authentication tag of the frame that starts at index {@code frameStart} of {@code
   * out} and ends at its position (header and payload written), advancing the position past the
   * tag. Does nothing if {@code auth} is off.
   */
  public static void appendTag(ByteBuffer out, int frameStart, MessageHeader h, FrameAuth auth) {
    requireNonNull(auth, "auth is null");
    if (!auth.enabled()) {
      return;
    }
    int end = out.position();
    if (frameStart < 0 || end - frameStart < HEADER_BYTES) {
      throw new IllegalArgumentException("no whole header between " + frameStart + " and " + end);
    }
    ByteBuffer head = out.duplicate().limit(frameStart + HEADER_BYTES).position(frameStart);
    ByteBuffer payload = out.duplicate().limit(end).position(frameStart + HEADER_BYTES);
    out.put(auth.tag(h.sender(), h.incarnation(), head, payload));
  }

  /** A new heap buffer holding the whole unauthenticated frame, flipped for reading. */
  public static ByteBuffer encode(MessageHeader h, ByteBuffer payload) {
    return encode(h, payload, FrameAuth.none());
  }

  /**
   * A new heap buffer holding the whole frame (tagged if {@code auth} is on), flipped for reading.
   */
  public static ByteBuffer encode(MessageHeader h, ByteBuffer payload, FrameAuth auth) {
    ByteBuffer out = ByteBuffer.allocate(frameSize(payload.remaining(), auth));
    writeHeader(out, h, payload.remaining(), auth);
    out.put(payload.duplicate());
    appendTag(out, 0, h, auth);
    return out.flip();
  }

  /**
   * Reads the header of an unauthenticated frame; see {@link #readHeader(ByteBuffer, FrameAuth)}.
   */
  public static MessageHeader readHeader(ByteBuffer in) {
    return readHeader(in, FrameAuth.none());
  }

  /**
   * Reads and validates a header at the buffer's position (advancing it past the header), including
   * whether the frame carries the tag {@code auth} requires. The tag itself can only be checked
   * once the payload is in: {@link #decode(ByteBuffer, FrameAuth)} or {@link FrameAuth#verify}.
   *
   * @throws UnauthenticatedFrameException if {@code auth} is on and the frame has no tag
   * @throws MalformedFrameException for any other bad field
   */
  public static MessageHeader readHeader(ByteBuffer in, FrameAuth auth) {
    requireNonNull(auth, "auth is null");
    if (in.remaining() < HEADER_BYTES) {
      throw new MalformedFrameException(
          "frame shorter than its header: " + in.remaining() + " < " + HEADER_BYTES + " bytes");
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
    int flags = b.getInt();
    if (sender < 0 || incarnation < 0 || epoch < 0) {
      throw new MalformedFrameException("negative sender, incarnation or epoch");
    }
    if (length < 0 || length > MAX_PAYLOAD) {
      throw new MalformedFrameException(
          "payload length " + length + " outside [0, " + MAX_PAYLOAD + "]");
    }
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new MalformedFrameException(
          String.format("unknown flags 0x%08x", flags & ~KNOWN_FLAGS));
    }
    boolean tagged = (flags & FLAG_AUTHENTICATED) != 0;
    if (auth.enabled() && !tagged) {
      throw new UnauthenticatedFrameException(
          "frame from rank "
              + sender
              + " carries no authentication tag, and this "
              + "instance requires one (eep_secret is set)");
    }
    if (!auth.enabled() && tagged) {
      throw new MalformedFrameException(
          "frame from rank "
              + sender
              + " carries an authentication tag, but this endpoint "
              + "has no eep_secret (the two ends disagree about eep_secret)");
    }
    in.position(in.position() + HEADER_BYTES);
    return new MessageHeader(sender, incarnation, epoch, step, layer, phase, tag);
  }

  /**
   * The payload length field of the header at the buffer's position, without validating the rest.
   */
  public static int peekPayloadLength(ByteBuffer in) {
    return in.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(in.position() + LENGTH_OFFSET);
  }

  /** Decodes one whole unauthenticated frame; see {@link #decode(ByteBuffer, FrameAuth)}. */
  public static Message decode(ByteBuffer frame) {
    return decode(frame, FrameAuth.none());
  }

  /**
   * Decodes one whole frame (header, exactly its payload, and the tag if {@code auth} is on), and
   * checks the tag. The buffer's position is not moved; the message's payload is a read-only view
   * of it.
   *
   * @throws UnauthenticatedFrameException if {@code auth} is on and the tag is missing or wrong
   * @throws MalformedFrameException for any other bad field or a wrong length
   */
  public static Message decode(ByteBuffer frame, FrameAuth auth) {
    requireNonNull(auth, "auth is null");
    ByteBuffer in = frame.duplicate();
    int start = in.position();
    int length = in.remaining() >= HEADER_BYTES ? peekPayloadLength(in) : -1;
    MessageHeader header = readHeader(in, auth);
    int tagBytes = auth.tagBytes();
    if (in.remaining() != (long) length + tagBytes) {
      throw new MalformedFrameException(
          "payload length field says "
              + length
              + " bytes"
              + (tagBytes > 0 ? " plus a " + tagBytes + "-byte tag" : "")
              + ", frame carries "
              + in.remaining());
    }
    ByteBuffer payload = in.slice(in.position(), length);
    if (auth.enabled()) {
      ByteBuffer head = frame.slice(start, HEADER_BYTES);
      ByteBuffer tag = in.slice(in.position() + length, tagBytes);
      if (!auth.verify(header.sender(), header.incarnation(), head, payload, tag)) {
        throw new UnauthenticatedFrameException(
            "bad authentication tag on a frame claiming rank "
                + header.sender()
                + " incarnation "
                + header.incarnation()
                + ": not signed with this instance's eep_secret for that identity");
      }
    }
    return new Message(header, payload.asReadOnlyBuffer());
  }
}
