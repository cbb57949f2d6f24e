package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.nio.ByteBuffer;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.PeerErrorListener;
import org.eep.api.comm.PeerFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one outgoing connection to one peer. Sends are fire-and-forget writes; the first sign that
 * the connection broke (the channel closed, or a write failed) fails it for good: the {@link Inbox}
 * ends waits on the peer and every {@link PeerErrorListener} is told, once. A link that the
 * transport {@link #retire retires} (disconnect, reconnect, close) reports nothing.
 *
 * <p>Threading: thread-safe. {@link #send} runs on callers' threads; failures are detected on the
 * channel's event loop or on a sending thread. Failing and retiring are mutually exclusive, so a
 * failure of an old connection can never be reported after its replacement restored the peer.
 */
final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

  private final int peer;
  private final TcpAddress address;
  private final Channel channel;
  private final Inbox inbox;
  private final PeerErrorListener evidence;
  private final FrameAuth auth;
  private final ChannelFutureListener onWritten = this::written;
  private PeerFailedException failure; // guarded by this
  private boolean retired; // guarded by this

  private PeerLink(
      int peer,
      TcpAddress address,
      Channel channel,
      Inbox inbox,
      PeerErrorListener evidence,
      FrameAuth auth) {
    this.peer = peer;
    this.address = requireNonNull(address, "address is null");
    this.channel = requireNonNull(channel, "channel is null");
    this.inbox = requireNonNull(inbox, "inbox is null");
    this.evidence = requireNonNull(evidence, "evidence is null");
    this.auth = requireNonNull(auth, "auth is null");
  }

  /**
   * Connects to {@code peer} at {@code address}, waiting for the connection (bounded by the
   * bootstrap's connect timeout), and marks the peer restored in the {@link Inbox}. Frames sent on
   * it are tagged with {@code auth} (if on). Must not be called on an event loop thread.
   *
   * @throws PeerFailedException if the peer does not accept the connection
   */
  static PeerLink open(
      Bootstrap bootstrap,
      int peer,
      TcpAddress address,
      Inbox inbox,
      PeerErrorListener evidence,
      FrameAuth auth) {
    ChannelFuture connected = bootstrap.connect(address.toSocketAddress()).awaitUninterruptibly();
    if (!connected.isSuccess()) {
      connected.channel().close();
      throw new PeerFailedException(
          peer, "Cannot connect to rank " + peer + " at " + address, connected.cause());
    }
    PeerLink link = new PeerLink(peer, address, connected.channel(), inbox, evidence, auth);
    // Restore before watching: a close seen from here on fails the peer again and stays failed.
    inbox.peerRestored(peer);
    link.channel
        .closeFuture()
        .addListener(f -> link.fail("Connection to rank " + peer + " at " + address + " closed"));
    return link;
  }

  TcpAddress address() {
    return address;
  }

  /** True while the connection is open and has not failed. */
  boolean isUsable() {
    synchronized (this) {
      if (failure != null) {
        return false;
      }
    }
    return channel.isActive();
  }

  /**
   * Queues one frame for the peer and returns without waiting for it to be written.
   *
   * @throws PeerFailedException if the connection is already known to be broken
   */
  void send(MessageHeader header, ByteBuffer[] parts, int length) {
    if (!isUsable()) {
      PeerFailedException known =
          fail("Connection to rank " + peer + " at " + address + " is closed");
      throw new PeerFailedException(peer, known.getMessage(), known);
    }
    channel
        .writeAndFlush(FrameEncoder.encode(channel.alloc(), header, parts, length, auth))
        .addListener(onWritten);
  }

  /** Closes the connection without reporting it: it is being replaced or dropped on purpose. */
  void retire() {
    synchronized (this) {
      retired = true;
    }
    channel.close();
  }

  private void written(ChannelFuture f) {
    if (!f.isSuccess()) {
      fail("Write to rank " + peer + " at " + address + " failed", f.cause());
    }
  }

  private PeerFailedException fail(String message) {
    return fail(message, channel.attr(PeerChannelHandler.FAILURE).get());
  }

  /**
   * Fails the link (once): ends waits on the peer, closes the channel, tells the listeners. Returns
   * the failure; a retired link is not reported.
   */
  private PeerFailedException fail(String message, Throwable cause) {
    PeerFailedException e;
    synchronized (this) {
      if (failure != null) {
        return failure;
      }
      e = new PeerFailedException(peer, message, cause);
      if (retired) {
        return e;
      }
      failure = e;
      inbox.peerFailed(peer, e);
    }
    LOG.warn("{}{}", message, cause == null ? "" : ": " + cause);
    channel.close();
    evidence.onPeerError(peer, e);
    return e;
  }
}
