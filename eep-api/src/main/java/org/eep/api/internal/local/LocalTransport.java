package org.eep.api.internal.local;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eep.api.comm.AbstractTransport;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.TransportException;

/**
 * Ranks in one JVM. A send copies the payload once, straight into a direct buffer the receiver's
 * inbox owns. Closing an endpoint reports a peer error to every endpoint connected to it, as UCX
 * reports a killed peer.
 */
final class LocalTransport extends AbstractTransport {
  private final String address;
  private final Map<Integer, LocalTransport> peers = new ConcurrentHashMap<>();

  /** Endpoints that connected to this one, told when it closes. */
  private final Map<LocalTransport, Integer> connectedFrom = new ConcurrentHashMap<>();

  /** Waits of frozen senders; {@link #frozen} is written under it. */
  private final Object freezeLock = new Object();

  private volatile boolean frozen;

  LocalTransport(String instance, int rank, int maxRanks) {
    super(rank, maxRanks);
    this.address = LocalFabric.register(instance, rank, this);
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void connect(int peer, String peerAddress) {
    requireNonNull(peerAddress, "peerAddress is null");
    LocalTransport current = peers.get(peer);
    if (current != null && current.address.equals(peerAddress) && !current.isClosed()) {
      return;
    }
    reconnect(peer, peerAddress);
  }

  @Override
  public void reconnect(int peer, String peerAddress) {
    LocalTransport target = LocalFabric.lookup(peerAddress);
    if (target == null || target.isClosed()) {
      throw new PeerFailedException(
          peer, "No local endpoint at " + peerAddress + " for rank " + peer, null);
    }
    LocalTransport old = peers.put(peer, target);
    if (old != null && old != target) {
      old.connectedFrom.remove(this);
    }
    target.connectedFrom.put(this, rank());
    peerRestored(peer);
  }

  @Override
  public void disconnect(int peer) {
    LocalTransport old = peers.remove(peer);
    if (old != null) {
      old.connectedFrom.remove(this);
    }
  }

  @Override
  protected void doSend(int peer, MessageHeader header, ByteBuffer[] parts, int length) {
    if (frozen && !awaitThawed(peer, header)) {
      return;
    }
    LocalTransport target = peers.get(peer);
    if (target == null) {
      throw new TransportException(peer, "Rank " + rank() + " has no connection to rank " + peer);
    }
    if (target.isClosed()) {
      PeerFailedException e =
          new PeerFailedException(
              peer, "Rank " + peer + " at " + target.address + " is gone", null);
      peerFailed(peer, e);
      throw e;
    }
    // Direct, so a receiver can wrap the payload as a tensor without another copy.
    ByteBuffer copy = ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteBuffer part : parts) {
      copy.put(part.duplicate());
    }
    target.inbox().deliver(header, copy.flip());
  }

  /**
   * Freezes (true) or thaws (false) this endpoint as SIGSTOP would its process: while frozen it
   * answers no probe and any thread that sends through it stops until it thaws or closes.
   */
  void freeze(boolean frozen) {
    synchronized (freezeLock) {
      this.frozen = frozen;
      freezeLock.notifyAll();
    }
  }

  /** Waits while frozen; false if {@code header} is an answer to a probe, dropped instead. */
  private boolean awaitThawed(int peer, MessageHeader header) {
    synchronized (freezeLock) {
      if (frozen && header.phase() == Phase.PROBE_ACK) {
        // A frozen process answers no probe; and answering runs on the prober's thread, which
        // must not stop.
        return false;
      }
      while (frozen && !isClosed()) {
        try {
          freezeLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TransportException(peer, "Interrupted while rank " + rank() + " is frozen");
        }
      }
      return true;
    }
  }

  @Override
  protected void doClose() {
    freeze(false);
    LocalFabric.unregister(address);
    PeerFailedException gone =
        new PeerFailedException(rank(), "Rank " + rank() + " closed its endpoint " + address, null);
    connectedFrom.forEach(
        (peer, ignored) -> {
          if (peer.peers.get(rank()) == this) {
            peer.peerFailed(rank(), gone);
          }
        });
    connectedFrom.clear();
    peers.values().forEach(p -> p.connectedFrom.remove(this));
    peers.clear();
  }
}
