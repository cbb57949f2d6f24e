package org.eep.api.comm;

import java.time.Duration;

/** A receive's deadline passed; suspicion against {@link #peer()}. The message names the peer. */
public final class ReceiveTimeoutException extends TransportException {
  private static final long serialVersionUID = 1L;

  public ReceiveTimeoutException(MessageKey key, Duration timeout) {
    super(key.sender(), "No " + key + " within " + timeout.toMillis() + " ms");
  }
}
