package org.eep.api.comm;

/**
 * Bytes that are not a valid EEP frame; the message says which field is wrong. The subtype {@link
 * UnauthenticatedFrameException} is a frame whose authentication tag is missing or wrong.
 */
public class MalformedFrameException extends TransportException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String message) {
    super(-1, message);
  }
}
