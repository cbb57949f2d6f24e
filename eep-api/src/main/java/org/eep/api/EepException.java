package org.eep.api;

/**
 * Base of every exception EEP throws on purpose. Unchecked: callers that can act on a specific
 * failure catch the subtype (a receive deadline, an epoch change, an unknown provider name).
 */
public class EepException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EepException(String message) {
    super(message);
  }

  public EepException(String message, Throwable cause) {
    super(message, cause);
  }
}
