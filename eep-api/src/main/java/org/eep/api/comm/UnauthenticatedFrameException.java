package org.eep.api.comm;

/**
 * A frame refused by {@link FrameAuth}: it lacks the tag {@code eep_secret} requires, or its tag
 * does not match. A subtype of {@link MalformedFrameException}, so code that only knows about
 * malformed frames still refuses it; {@link Inbox#countRejected} counts it apart, as {@link
 * TransportStats#droppedUnauthenticated()}.
 */
public final class UnauthenticatedFrameException extends MalformedFrameException {
  private static final long serialVersionUID = 1L;

  public UnauthenticatedFrameException(String message) {
    super(message);
  }
}
