package org.eep.comm.netty.internal;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * The only handler of an outgoing channel. Peers never write on it, so it reads only to notice the
 * end of the stream (the peer closed or died); anything read is discarded. An I/O error is kept as
 * the channel's {@link #FAILURE} and the channel closed: {@link PeerLink} turns the close into
 * evidence. Stateless and shared; runs on the channel's event loop.
 */
@Sharable
final class PeerChannelHandler extends ChannelInboundHandlerAdapter {
  /** The error that closed the channel, if it was not a clean end of stream. */
  static final AttributeKey<Throwable> FAILURE =
      AttributeKey.valueOf(PeerChannelHandler.class, "failure");

  static final PeerChannelHandler INSTANCE = new PeerChannelHandler();

  private PeerChannelHandler() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.channel().attr(FAILURE).setIfAbsent(cause);
    ctx.close();
  }
}
