package org.eep.api.internal.local;

import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;

final class LocalMembershipProviders {
  private LocalMembershipProviders() {}

  static LocalMembershipService create(EepConfig config, boolean elastic) {
    LocalCoordinator c = LocalCoordinator.acquire(config.getString(EepKeys.INSTANCE), config.getInt(EepKeys.MAX_RANKS),
        elastic, config.getMillis(EepKeys.HEARTBEAT_MS), config.getInt(EepKeys.HEARTBEAT_MISSES));
    return new LocalMembershipService(c, config.getMillis(EepKeys.HEARTBEAT_MS));
  }
}
