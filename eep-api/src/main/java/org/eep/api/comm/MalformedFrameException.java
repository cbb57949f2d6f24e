package org.eep.api.comm;

/** Bytes that are not a valid EEP frame; the message says which field is wrong. */
public final class MalformedFrameException extends TransportException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String message) {
    super(-1, message);
  }
}
