package org.eep.placement.balanced;

import static java.util.Objects.requireNonNull;

import org.eep.api.config.EepConfig;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementPolicyProvider;

/**
 * The placement policy {@code balanced}: {@link BalancedPlacementPolicy}. Found by {@code
 * ServiceLoader}.
 */
public final class BalancedPlacementProvider implements PlacementPolicyProvider {
  /** The name {@code eep_placement} selects this policy by. */
  public static final String NAME = "balanced";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PlacementPolicy create(EepConfig config) {
    requireNonNull(config, "config is null");
    return new BalancedPlacementPolicy();
  }
}
