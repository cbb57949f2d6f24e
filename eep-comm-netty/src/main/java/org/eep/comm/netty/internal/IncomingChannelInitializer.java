package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import java.util.function.BiConsumer;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.MalformedFrameException;

/**
 * Sets up each accepted connection: remembered in the transport's channel group (closed with the
 * transport), then {@link FrameDecoder} (verifying tags with the transport's {@link FrameAuth})
 * followed by the shared {@link InboxHandler}. Runs on the accepting event loop.
 */
final class IncomingChannelInitializer extends ChannelInitializer<Channel> {
  private final ChannelGroup accepted;
  private final FrameAuth auth;
  private final BiConsumer<Channel, MalformedFrameException> onMalformed;
  private final InboxHandler toInbox;

  IncomingChannelInitializer(
      ChannelGroup accepted,
      FrameAuth auth,
      BiConsumer<Channel, MalformedFrameException> onMalformed,
      InboxHandler toInbox) {
    this.accepted = requireNonNull(accepted, "accepted is null");
    this.auth = requireNonNull(auth, "auth is null");
    this.onMalformed = requireNonNull(onMalformed, "onMalformed is null");
    this.toInbox = requireNonNull(toInbox, "toInbox is null");
  }

  @Override
  protected void initChannel(Channel ch) {
    accepted.add(ch);
    ch.pipeline()
        .addLast("frames", new FrameDecoder(auth, e -> onMalformed.accept(ch, e)))
        .addLast("inbox", toInbox);
  }
}
