package org.eep.comm.ucx.internal;

import org.eep.api.comm.TransportException;
import org.openucx.jucx.UcxException;
import org.openucx.jucx.ucp.UcpContext;
import org.openucx.jucx.ucp.UcpParams;

/**
 * The one place the native UCX libraries are touched first. JUCX loads {@code libjucx.so} from its
 * jar when {@link UcpContext} is initialised; that library links {@code libucp.so.0}, which comes
 * from the operating system. A failure surfaces as a {@link LinkageError} (the first time) or a
 * {@link NoClassDefFoundError} (every later time); both become a {@link TransportException} that
 * says what to install.
 */
final class UcxNative {
  static final String INSTALL_HINT = "apt-get install libucx0";

  private UcxNative() {}

  /** A UCP context with the active-message and wake-up features. */
  static UcpContext newContext() {
    try {
      return new UcpContext(new UcpParams().requestAmFeature().requestWakeupFeature());
    } catch (LinkageError e) {
      throw unavailable(e);
    } catch (UcxException e) {
      throw new TransportException(
          -1,
          "UCX could not create a context: "
              + e.getMessage()
              + " (check UCX_TLS and UCX_NET_DEVICES)",
          e);
    }
  }

  static TransportException unavailable(Throwable cause) {
    return new TransportException(
        -1,
        "The ucx transport cannot load the native UCX library libucp.so.0 ("
            + cause
            + "). Install UCX on Debian or Ubuntu with: "
            + INSTALL_HINT
            + " (or select another transport, e.g. eep_transport=tcp)",
        cause);
  }
}
