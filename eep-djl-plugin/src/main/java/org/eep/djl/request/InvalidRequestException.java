package org.eep.djl.request;

/**
 * A request that is wrong in itself (empty prompt, token outside the vocabulary, too many new
 * tokens, a malformed body): sending it again will not help. HTTP front ends answer it with 400.
 */
public final class InvalidRequestException extends RequestRejectedException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
