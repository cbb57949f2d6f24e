package org.eep.server.launcher;

import org.eep.api.EepException;

/**
 * A rank process that could not start, with the one-line cause it reported (the file, tensor or key
 * at fault).
 */
public final class RankStartException extends EepException {
  private static final long serialVersionUID = 1L;

  public RankStartException(String message) {
    super(message);
  }
}
