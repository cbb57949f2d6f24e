package org.eep.api.comm;

/** The connection to a peer broke (the transport reported it); evidence that the peer failed. */
public final class PeerFailedException extends TransportException {
  private static final long serialVersionUID = 1L;

  public PeerFailedException(int peer, String message, Throwable cause) {
    super(peer, message, cause);
  }
}
