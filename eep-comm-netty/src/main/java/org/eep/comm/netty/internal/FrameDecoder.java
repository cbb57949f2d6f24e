package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.UnauthenticatedFrameException;

/**
 * Cuts an incoming byte stream into {@link FrameCodec} frames and emits each as a {@link Message}.
 *
 * <p>The header is validated by {@link FrameCodec#readHeader(ByteBuffer, FrameAuth)} as soon as its
 * 48 bytes are in, so a bad frame — or, with authentication on, one that carries no tag — is
 * rejected without waiting for a payload it announces. The payload is copied once, as it arrives,
 * into a heap buffer that the {@link org.eep.api.comm.Inbox} then owns; Netty's pooled receive
 * buffers are released right away and never grow to the size of a large message. With
 * authentication on, the tag that follows the payload is checked ({@link FrameAuth#verify}) before
 * the message is emitted: nothing from an unauthenticated frame reaches the inbox. Since the tag
 * comes last, with authentication on the payload buffer starts at {@value #FIRST_CHUNK} bytes and
 * doubles as bytes arrive (up to the announced length): a sender that is not a member holds memory
 * in proportion to what it actually sent, not to the length it announced.
 *
 * <p>A malformed header or a missing or wrong tag ({@link UnauthenticatedFrameException}) is
 * reported to {@code onMalformed}, the rest of the stream is discarded and the channel closed:
 * after a bad frame the stream has no trustworthy frame boundary, and a connection that sent one
 * unauthenticated frame is not from a member.
 *
 * <p>Threading: one instance per channel, used only on that channel's event loop.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  /** First payload buffer of an authenticated frame not yet verified; grows by doubling. */
  static final int FIRST_CHUNK = 1 << 20;

  private final FrameAuth auth;
  private final Consumer<MalformedFrameException> onMalformed;
  private MessageHeader header;
  private int length;
  private ByteBuffer head;
  private ByteBuffer payload;
  private ByteBuffer tag;
  private boolean discarding;

  /** A decoder of unauthenticated frames. */
  FrameDecoder(Consumer<MalformedFrameException> onMalformed) {
    this(FrameAuth.none(), onMalformed);
  }

  /** A decoder that requires and checks the tags of {@code auth} (if on). */
  FrameDecoder(FrameAuth auth, Consumer<MalformedFrameException> onMalformed) {
    this.auth = requireNonNull(auth, "auth is null");
    this.onMalformed = requireNonNull(onMalformed, "onMalformed is null");
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (discarding) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (header == null && !readHeader(ctx, in)) {
      return;
    }
    if (!fillPayload(in) || (tag != null && !fill(in, tag))) {
      return;
    }
    payload.flip();
    if (tag != null
        && !auth.verify(header.sender(), header.incarnation(), head, payload, tag.flip())) {
      reject(
          ctx,
          in,
          new UnauthenticatedFrameException(
              "bad authentication tag on a frame claiming rank "
                  + header.sender()
                  + " incarnation "
                  + header.incarnation()
                  + ": not signed with this instance's eep_secret for that identity"));
      return;
    }
    out.add(new Message(header, payload));
    header = null;
    head = null;
    payload = null;
    tag = null;
  }

  /**
   * Copies what is available into the payload, growing it up to the announced length; true once
   * complete.
   */
  private boolean fillPayload(ByteBuf in) {
    while (in.isReadable() && !payload.hasRemaining() && payload.capacity() < length) {
      ByteBuffer larger = ByteBuffer.allocate((int) Math.min(length, 2L * payload.capacity()));
      payload = larger.put(payload.flip());
    }
    return fill(in, payload) && payload.capacity() == length;
  }

  /** Copies what is available into {@code to}; true once it is full. */
  private static boolean fill(ByteBuf in, ByteBuffer to) {
    int n = Math.min(in.readableBytes(), to.remaining());
    in.readBytes(to.slice(to.position(), n));
    to.position(to.position() + n);
    return !to.hasRemaining();
  }

  /**
   * True once a valid header is read; false if more bytes are needed or the frame was malformed.
   */
  private boolean readHeader(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < FrameCodec.HEADER_BYTES) {
      return false;
    }
    ByteBuffer bytes = in.nioBuffer(in.readerIndex(), FrameCodec.HEADER_BYTES);
    try {
      length = FrameCodec.peekPayloadLength(bytes);
      header = FrameCodec.readHeader(bytes.duplicate(), auth);
      if (auth.enabled()) {
        head = ByteBuffer.allocate(FrameCodec.HEADER_BYTES).put(bytes).flip();
        tag = ByteBuffer.allocate(auth.tagBytes());
        payload = ByteBuffer.allocate(Math.min(length, FIRST_CHUNK));
      } else {
        payload = ByteBuffer.allocate(length);
      }
      in.skipBytes(FrameCodec.HEADER_BYTES);
      return true;
    } catch (MalformedFrameException e) {
      reject(ctx, in, e);
      return false;
    }
  }

  private void reject(ChannelHandlerContext ctx, ByteBuf in, MalformedFrameException e) {
    discarding = true;
    header = null;
    head = null;
    payload = null;
    tag = null;
    in.skipBytes(in.readableBytes());
    onMalformed.accept(e);
    ctx.close();
  }
}
