package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.MessageHeader;

/**
 * Turns one message into one {@link FrameCodec} frame in a pooled direct buffer. Runs on the
 * sending thread: {@link org.eep.api.comm.Transport#send} may not keep the caller's payload after
 * it returns, so the payload is copied once, straight from the caller's buffer into the buffer the
 * socket writes from (no intermediate heap frame, unlike {@link FrameCodec#encode}). With
 * authentication on, the tag is computed over the header and the caller's payload on the same
 * thread and written after the payload. Stateless.
 */
final class FrameEncoder {
  private FrameEncoder() {}

  /**
   * {@link #encode(ByteBufAllocator, MessageHeader, ByteBuffer, FrameAuth)} without authentication.
   */
  static ByteBuf encode(ByteBufAllocator alloc, MessageHeader header, ByteBuffer payload) {
    return encode(alloc, header, new ByteBuffer[] {payload}, payload.remaining(), FrameAuth.none());
  }

  /** The frame of a one-part payload, tagged if {@code auth} is on. */
  static ByteBuf encode(
      ByteBufAllocator alloc, MessageHeader header, ByteBuffer payload, FrameAuth auth) {
    return encode(alloc, header, new ByteBuffer[] {payload}, payload.remaining(), auth);
  }

  /**
   * The frame for {@code header} and the remaining bytes of the {@code parts} ({@code length} in
   * all; no position is moved), tagged if {@code auth} is on. The caller owns the returned buffer
   * (writing it to a channel hands it over).
   *
   * @throws IllegalArgumentException if the receiver would reject the header (negative epoch or
   *     incarnation, payload over {@link FrameCodec#MAX_PAYLOAD}): a sender bug must not cost the
   *     connection
   */
  static ByteBuf encode(
      ByteBufAllocator alloc,
      MessageHeader header,
      ByteBuffer[] parts,
      int length,
      FrameAuth auth) {
    requireNonNull(auth, "auth is null");
    ByteBuffer head = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);
    FrameCodec.writeHeader(head, header, length, auth);
    head.flip();
    try {
      FrameCodec.readHeader(head.duplicate(), auth);
    } catch (MalformedFrameException e) {
      throw new IllegalArgumentException(
          "Header cannot be sent, the receiver would reject it: " + e.getMessage(), e);
    }
    byte[] tag =
        auth.enabled() ? auth.tag(header.sender(), header.incarnation(), head, parts) : null;
    ByteBuf frame = alloc.directBuffer(FrameCodec.frameSize(length, auth));
    try {
      frame.writeBytes(head);
      for (ByteBuffer part : parts) {
        frame.writeBytes(part.duplicate());
      }
      if (tag != null) {
        frame.writeBytes(tag);
      }
      return frame;
    } catch (RuntimeException e) {
      frame.release();
      throw e;
    }
  }
}
