package org.eep.api.config;

import org.eep.api.EepException;

/** A configuration key is unknown or has a value it does not accept. The message names the key. */
public final class ConfigException extends EepException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
