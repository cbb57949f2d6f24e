package org.eep.djl.request;

import org.eep.api.EepException;

/**
 * A request that cannot be served: invalid ({@link InvalidRequestException}: the caller must change
 * it), or not now (over capacity, experts missing, no rank serving, the instance closing: the same
 * request may succeed later).
 */
public class RequestRejectedException extends EepException {
  private static final long serialVersionUID = 1L;

  public RequestRejectedException(String message) {
    super(message);
  }
}
