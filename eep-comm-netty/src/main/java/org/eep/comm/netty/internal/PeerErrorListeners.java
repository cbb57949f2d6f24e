package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eep.api.comm.PeerErrorListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one transport, told in registration order. One throwing listener does not keep
 * the others from being told. Thread-safe; called on an I/O thread or a sending thread.
 */
final class PeerErrorListeners implements PeerErrorListener {
  private static final Logger LOG = LoggerFactory.getLogger(PeerErrorListeners.class);
  private final List<PeerErrorListener> listeners = new CopyOnWriteArrayList<>();

  void add(PeerErrorListener listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
  }

  @Override
  public void onPeerError(int peer, Throwable cause) {
    for (PeerErrorListener l : listeners) {
      try {
        l.onPeerError(peer, cause);
      } catch (RuntimeException e) {
        LOG.warn("Peer error listener {} failed for rank {}", l, peer, e);
      }
    }
  }
}
