package org.eep.api.membership;

import org.eep.api.EepException;

/**
 * A membership operation was refused (slot taken, stale incarnation, instance failed, not
 * connected).
 */
public class MembershipException extends EepException {
  private static final long serialVersionUID = 1L;

  public MembershipException(String message) {
    super(message);
  }

  public MembershipException(String message, Throwable cause) {
    super(message, cause);
  }
}
