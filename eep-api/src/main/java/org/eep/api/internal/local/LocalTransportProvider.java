package org.eep.api.internal.local;

import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;

/**
 * Transport {@code local}: ranks of one instance inside one JVM. The embedded default and the test
 * double.
 */
public final class LocalTransportProvider implements TransportProvider {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public Transport create(EepConfig config, int rank) {
    return new LocalTransport(
        config.getString(EepKeys.INSTANCE), rank, config.getInt(EepKeys.MAX_RANKS));
  }
}
