package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;

/**
 * Cuts an incoming byte stream into {@link FrameCodec} frames and emits each as a {@link Message}.
 *
 * <p>The header is validated by {@link FrameCodec#readHeader} as soon as its 48 bytes are in, so a
 * bad frame is rejected without waiting for a payload it announces. The payload is copied once,
 * as it arrives, into a heap buffer that the {@link org.eep.api.comm.Inbox} then owns; Netty's
 * pooled receive buffers are released right away and never grow to the size of a large message.
 *
 * <p>A malformed header is reported to {@code onMalformed}, the rest of the stream is discarded and
 * the channel closed: after a bad frame the stream has no trustworthy frame boundary.
 *
 * <p>Threading: one instance per channel, used only on that channel's event loop.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private final Consumer<MalformedFrameException> onMalformed;
  private MessageHeader header;
  private ByteBuffer payload;
  private boolean discarding;

  FrameDecoder(Consumer<MalformedFrameException> onMalformed) {
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
    int n = Math.min(in.readableBytes(), payload.remaining());
    in.readBytes(payload.slice(payload.position(), n));
    payload.position(payload.position() + n);
    if (!payload.hasRemaining()) {
      out.add(new Message(header, payload.flip()));
      header = null;
      payload = null;
    }
  }

  /** True once a valid header is read; false if more bytes are needed or the frame was malformed. */
  private boolean readHeader(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < FrameCodec.HEADER_BYTES) {
      return false;
    }
    ByteBuffer head = in.nioBuffer(in.readerIndex(), FrameCodec.HEADER_BYTES);
    try {
      int length = FrameCodec.peekPayloadLength(head);
      header = FrameCodec.readHeader(head);
      payload = ByteBuffer.allocate(length);
      in.skipBytes(FrameCodec.HEADER_BYTES);
      return true;
    } catch (MalformedFrameException e) {
      discarding = true;
      header = null;
      in.skipBytes(in.readableBytes());
      onMalformed.accept(e);
      ctx.close();
      return false;
    }
  }
}
