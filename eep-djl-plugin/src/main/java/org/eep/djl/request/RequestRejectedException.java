package org.eep.djl.request;

import org.eep.api.EepException;

/**
 * A request that cannot be served: invalid, over capacity, or refused because experts are missing.
 */
public final class RequestRejectedException extends EepException {
  private static final long serialVersionUID = 1L;

  public RequestRejectedException(String message) {
    super(message);
  }
}
