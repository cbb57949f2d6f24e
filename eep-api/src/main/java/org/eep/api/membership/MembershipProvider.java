package org.eep.api.membership;

import org.eep.api.config.EepConfig;
import org.eep.api.spi.NamedProvider;

/**
 * Makes {@link MembershipService}s; selected by {@code eep_membership}. Found by {@link
 * org.eep.api.spi.Providers}. Thread-safe; {@link #create} may be called once per rank in the same
 * process (each rank has its own service handle).
 */
public interface MembershipProvider extends NamedProvider {

  /** A service handle for one process (or one in-process rank) of the instance named in config. */
  MembershipService create(EepConfig config);
}
