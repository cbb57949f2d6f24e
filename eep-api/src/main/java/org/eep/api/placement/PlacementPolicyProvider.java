package org.eep.api.placement;

import org.eep.api.config.EepConfig;
import org.eep.api.spi.NamedProvider;

/** Makes {@link PlacementPolicy}s; selected by {@code eep_placement}. Thread-safe. */
public interface PlacementPolicyProvider extends NamedProvider {
  PlacementPolicy create(EepConfig config);
}
