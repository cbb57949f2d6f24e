package org.eep.api.internal.local;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.eep.api.comm.Fence;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerErrorListener;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportStats;

/**
 * Ranks in one JVM. A send copies the payload straight into the receiver's {@link Inbox}. Closing
 * an endpoint reports a peer error to every endpoint connected to it, as UCX reports a killed peer.
 */
final class LocalTransport implements Transport {
  private final int rank;
  private final String address;
  private final Inbox inbox;
  private final Map<Integer, LocalTransport> peers = new ConcurrentHashMap<>();
  /** Endpoints that connected to this one, told when it closes. */
  private final Map<LocalTransport, Integer> connectedFrom = new ConcurrentHashMap<>();
  private final List<PeerErrorListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder sent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();

  LocalTransport(String instance, int rank, int maxRanks) {
    this.rank = rank;
    this.inbox = new Inbox(Fence.open(maxRanks));
    this.address = LocalFabric.register(instance, rank, this);
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void connect(int peer, String peerAddress) {
    requireNonNull(peerAddress, "peerAddress is null");
    LocalTransport current = peers.get(peer);
    if (current != null && current.address.equals(peerAddress) && !current.closed.get()) {
      return;
    }
    reconnect(peer, peerAddress);
  }

  @Override
  public void reconnect(int peer, String peerAddress) {
    LocalTransport target = LocalFabric.lookup(peerAddress);
    if (target == null || target.closed.get()) {
      throw new PeerFailedException(peer, "No local endpoint at " + peerAddress + " for rank " + peer, null);
    }
    LocalTransport old = peers.put(peer, target);
    if (old != null && old != target) {
      old.connectedFrom.remove(this);
    }
    target.connectedFrom.put(this, rank);
    inbox.peerRestored(peer);
  }

  @Override
  public void disconnect(int peer) {
    LocalTransport old = peers.remove(peer);
    if (old != null) {
      old.connectedFrom.remove(this);
    }
  }

  @Override
  public void send(int peer, MessageHeader header, ByteBuffer payload) {
    if (closed.get()) {
      throw new TransportException(peer, "Transport of rank " + rank + " is closed");
    }
    LocalTransport target = peers.get(peer);
    if (target == null) {
      throw new TransportException(peer, "Rank " + rank + " has no connection to rank " + peer);
    }
    if (target.closed.get()) {
      PeerFailedException e = new PeerFailedException(peer, "Rank " + peer + " at " + target.address + " is gone", null);
      peerFailed(peer, e);
      throw e;
    }
    byte[] copy = new byte[payload.remaining()];
    payload.duplicate().get(copy);
    sent.increment();
    bytesSent.add(copy.length);
    target.inbox.deliver(header, ByteBuffer.wrap(copy));
  }

  @Override
  public Message receive(MessageKey key, Duration timeout) throws InterruptedException {
    return inbox.take(key, timeout);
  }

  @Override
  public void fence(Fence fence) {
    inbox.fence(fence);
  }

  @Override
  public void addPeerErrorListener(PeerErrorListener listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
  }

  @Override
  public TransportStats stats() {
    return inbox.stats(sent.sum(), bytesSent.sum());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LocalFabric.unregister(address);
    PeerFailedException gone = new PeerFailedException(rank, "Rank " + rank + " closed its endpoint " + address, null);
    connectedFrom.forEach((peer, ignored) -> {
      if (peer.peers.get(rank) == this) {
        peer.peerFailed(rank, gone);
      }
    });
    connectedFrom.clear();
    peers.values().forEach(p -> p.connectedFrom.remove(this));
    peers.clear();
  }

  private void peerFailed(int peer, Throwable cause) {
    inbox.peerFailed(peer, cause);
    for (PeerErrorListener l : listeners) {
      l.onPeerError(peer, cause);
    }
  }
}
