package org.eep.api.comm;

import org.eep.api.config.EepConfig;
import org.eep.api.spi.NamedProvider;

/**
 * Makes {@link Transport}s; selected by {@code eep_transport}. Found by {@link
 * org.eep.api.spi.Providers}. Thread-safe. A transport author reuses {@link Inbox} for matching and
 * fencing and {@link FrameCodec} for the wire header, and proves conformance with the contract kit
 * ({@code org.eep.testkit.TransportContract} in the eep-testkit artifact). {@link
 * AbstractTransport} is the skeleton to start from.
 */
public interface TransportProvider extends NamedProvider {

  /**
   * A listening endpoint for {@code rank}.
   *
   * @throws TransportException if it cannot listen, or a native dependency is missing (the message
   *     says what to install)
   */
  Transport create(EepConfig config, int rank);
}
