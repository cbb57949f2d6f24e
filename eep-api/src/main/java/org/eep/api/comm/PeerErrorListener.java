package org.eep.api.comm;

/**
 * Told when the transport sees a peer's connection fail (reset, endpoint error, write failure).
 * Called on a transport thread; must return quickly. The runtime turns each call into {@link
 * org.eep.api.membership.Evidence.TransportError}.
 */
@FunctionalInterface
public interface PeerErrorListener {
  void onPeerError(int peer, Throwable cause);
}
