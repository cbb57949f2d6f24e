package org.eep.api.comm;

import org.eep.api.EepException;

/** A transport operation failed. {@link #peer()} is the rank involved, or -1. */
public class TransportException extends EepException {
  private static final long serialVersionUID = 1L;
  private final int peer;

  public TransportException(int peer, String message) {
    super(message);
    this.peer = peer;
  }

  public TransportException(int peer, String message, Throwable cause) {
    super(message, cause);
    this.peer = peer;
  }

  public int peer() {
    return peer;
  }
}
