package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of an accepted channel: hands each decoded {@link Message} to the {@link Inbox},
 * which matches, fences and counts it. An I/O error closes the channel; the peer's failure is
 * reported by the outgoing side ({@link PeerLink}), which knows which rank it is. Shared by every
 * accepted channel of one transport; runs on their event loops.
 */
@Sharable
final class InboxHandler extends SimpleChannelInboundHandler<Message> {
  private static final Logger LOG = LoggerFactory.getLogger(InboxHandler.class);
  private final Inbox inbox;

  InboxHandler(Inbox inbox) {
    this.inbox = requireNonNull(inbox, "inbox is null");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message message) {
    inbox.deliver(message.header(), message.payload());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug(
        "Closing incoming connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
