package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.AbstractTransport;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.PeerErrorListener;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.UnauthenticatedFrameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp} {@link Transport}: a Netty NIO listener for incoming frames and one outgoing
 * connection ({@link PeerLink}) per peer, all on one small event loop group owned by this endpoint.
 *
 * <p>Contract: as {@link Transport}. Incoming frames go through {@link FrameDecoder} into the
 * {@link Inbox}; a malformed frame is counted ({@link Inbox#countMalformed()}) and its connection
 * closed. With a {@link FrameAuth} (an {@code eep_secret}), outgoing frames are tagged for their
 * destination ({@link FrameAuth#toReceiver}) and incoming ones verified as addressed to this rank;
 * a frame with a missing or wrong tag is counted ({@link Inbox#countUnauthenticated()}) and its
 * connection closed the same way. A peer failure is seen on the outgoing connection: its close or a
 * failed write fails the link ({@link Inbox#peerFailed} and every {@link PeerErrorListener}); a
 * later {@link #send} to it throws {@link org.eep.api.comm.PeerFailedException}. {@link #reconnect}
 * replaces one link alone.
 *
 * <p>Threading: thread-safe. {@link #send} encodes on the caller's thread and never waits for the
 * write. {@link #connect}, {@link #reconnect} and {@link #close} wait for the network (bounded), so
 * they must not be called on a transport I/O thread, e.g. from inside a {@link PeerErrorListener}
 * ({@link #close} is allowed there but then does not wait for the I/O threads to stop).
 *
 * <p>Who calls it: made by {@link org.eep.comm.netty.NettyTransportProvider}; used by the EEP
 * runtime (one per rank) and by the contract kit.
 */
public final class NettyTransport extends AbstractTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 5;

  private final FrameAuth auth;
  private final EventLoopGroup group;
  private final ChannelGroup accepted;
  private final Bootstrap bootstrap;
  private final Channel server;
  private final TcpAddress address;
  private final Map<Integer, PeerLink> links = new ConcurrentHashMap<>();
  private final Map<Integer, Object> peerLocks = new ConcurrentHashMap<>();

  private NettyTransport(TcpSettings settings, int rank, FrameAuth auth, EventLoopGroup group) {
    super(rank, settings.maxRanks());
    this.auth = auth;
    this.group = group;
    this.accepted = new DefaultChannelGroup("eep-tcp-r" + rank, ImmediateEventExecutor.INSTANCE);
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
            .handler(PeerChannelHandler.INSTANCE);
    this.server = listen(settings.host());
    this.address = TcpAddress.of((InetSocketAddress) server.localAddress());
  }

  /**
   * A transport for {@code rank} listening on {@code settings.host()} at an ephemeral port, without
   * frame authentication.
   *
   * @throws TransportException if it cannot listen there
   */
  public static NettyTransport open(TcpSettings settings, int rank) {
    return open(settings, rank, FrameAuth.none());
  }

  /**
   * A transport for {@code rank} listening on {@code settings.host()} at an ephemeral port, tagging
   * and verifying frames with {@code auth}.
   *
   * @throws TransportException if it cannot listen there
   */
  public static NettyTransport open(TcpSettings settings, int rank, FrameAuth auth) {
    requireNonNull(settings, "settings is null");
    requireNonNull(auth, "auth is null");
    EventLoopGroup group = newEventLoopGroup(settings.ioThreads(), rank);
    try {
      NettyTransport t = new NettyTransport(settings, rank, auth, group);
      LOG.debug("Rank {} listening at {} ({})", rank, t.address, auth);
      return t;
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * NIO event loops on daemon threads named {@code eep-tcp-r<rank>-…}. {@link NioEventLoopGroup} is
   * deprecated in Netty 4.2 in favour of {@code MultiThreadIoEventLoopGroup} + {@code
   * NioIoHandler}, which Netty 4.1 lacks. DJL Serving (0.36) puts its own Netty 4.1 on the parent
   * class path, where it wins over jars in {@code deps/}; using only API common to 4.1 and 4.2
   * keeps this provider working there.
   */
  @SuppressWarnings("deprecation")
  private static EventLoopGroup newEventLoopGroup(int threads, int rank) {
    return new NioEventLoopGroup(threads, new DefaultThreadFactory("eep-tcp-r" + rank, true));
  }

  private Channel listen(String host) {
    InboxHandler toInbox = new InboxHandler(inbox());
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new IncomingChannelInitializer(
                    accepted, auth.toReceiver(rank()), this::malformed, toInbox))
            .bind(host, 0)
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new TransportException(
          -1, "Rank " + rank() + " cannot listen on " + host + " (eep_host)", bound.cause());
    }
    return bound.channel();
  }

  private void malformed(Channel channel, MalformedFrameException e) {
    inbox().countRejected(e);
    LOG.warn(
        "Rank {} dropped {} frame from {} and closed that connection: {}",
        rank(),
        e instanceof UnauthenticatedFrameException ? "an unauthenticated" : "a malformed",
        channel.remoteAddress(),
        e.getMessage());
  }

  @Override
  public String address() {
    return address.toString();
  }

  @Override
  public void connect(int peer, String peerAddress) {
    TcpAddress target = parse(peer, peerAddress);
    synchronized (lockOf(peer)) {
      PeerLink current = links.get(peer);
      if (current != null && current.address().equals(target) && current.isUsable()) {
        return;
      }
      replace(peer, target);
    }
  }

  @Override
  public void reconnect(int peer, String peerAddress) {
    TcpAddress target = parse(peer, peerAddress);
    synchronized (lockOf(peer)) {
      replace(peer, target);
    }
  }

  @Override
  public void disconnect(int peer) {
    synchronized (lockOf(peer)) {
      PeerLink old = links.remove(peer);
      if (old != null) {
        old.retire();
      }
    }
  }

  /**
   * Retires the link to {@code peer} (if any) and opens a new one; the caller holds the peer's
   * lock.
   */
  private void replace(int peer, TcpAddress target) {
    ensureOpen(peer);
    if (inEventLoop()) {
      throw new IllegalStateException(
          "connect/reconnect must not be called on a transport I/O thread");
    }
    PeerLink old = links.remove(peer);
    if (old != null) {
      old.retire();
    }
    PeerLink link =
        PeerLink.open(
            bootstrap, peer, target, inbox(), this::notifyPeerError, auth.toReceiver(peer));
    links.put(peer, link);
    if (isClosed()) {
      links.remove(peer, link);
      link.retire();
      ensureOpen(peer);
    }
  }

  @Override
  protected void doSend(int peer, MessageHeader header, ByteBuffer[] parts, int length) {
    PeerLink link = links.get(peer);
    if (link == null) {
      throw new TransportException(peer, "Rank " + rank() + " has no connection to rank " + peer);
    }
    link.send(header, parts, length);
  }

  @Override
  protected void doClose() {
    links.values().forEach(PeerLink::retire);
    links.clear();
    server.close();
    accepted.close();
    var terminated = group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!inEventLoop()) {
      terminated.awaitUninterruptibly();
    }
    LOG.debug("Rank {} closed its endpoint {}", rank(), address);
  }

  @Override
  public String toString() {
    return "NettyTransport[rank=" + rank() + ", " + address + "]";
  }

  private Object lockOf(int peer) {
    if (peer < 0) {
      throw new IllegalArgumentException("peer < 0: " + peer);
    }
    return peerLocks.computeIfAbsent(peer, p -> new Object());
  }

  private boolean inEventLoop() {
    for (EventExecutor e : group) {
      if (e.inEventLoop()) {
        return true;
      }
    }
    return false;
  }

  private static TcpAddress parse(int peer, String peerAddress) {
    requireNonNull(peerAddress, "peerAddress is null");
    try {
      return TcpAddress.parse(peerAddress);
    } catch (IllegalArgumentException e) {
      throw new TransportException(
          peer,
          "Rank " + peer + " has an address the tcp transport cannot use: " + e.getMessage(),
          e);
    }
  }
}
