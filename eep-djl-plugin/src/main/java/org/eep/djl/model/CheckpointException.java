package org.eep.djl.model;

import org.eep.api.EepException;

/** A checkpoint is missing, truncated or mis-shaped. The message names the file and the tensor. */
public final class CheckpointException extends EepException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
