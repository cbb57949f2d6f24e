package org.eep.api.spi;

import org.eep.api.EepException;

/**
 * No provider on the class path answers to the configured name. The message lists those present.
 */
public final class UnknownProviderException extends EepException {
  private static final long serialVersionUID = 1L;

  public UnknownProviderException(String message) {
    super(message);
  }
}
