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

  /**
   * Freezes (true) or thaws (false) the local endpoint at {@code address} as {@code SIGSTOP} would
   * its process: while frozen it answers no probe, and a thread sending through it stops until it
   * thaws or closes. For the demo and tests, which freeze a rank in this JVM. False if no local
   * endpoint is at {@code address}.
   */
  public static boolean freeze(String address, boolean frozen) {
    LocalTransport t = LocalFabric.lookup(address);
    if (t == null) {
      return false;
    }
    t.freeze(frozen);
    return true;
  }

  @Override
  public Transport create(EepConfig config, int rank) {
    return new LocalTransport(
        config.getString(EepKeys.INSTANCE), rank, config.getInt(EepKeys.MAX_RANKS));
  }
}
