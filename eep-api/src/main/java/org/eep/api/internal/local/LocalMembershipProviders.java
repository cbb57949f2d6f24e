package org.eep.api.internal.local;

import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipRules;

final class LocalMembershipProviders {
  private LocalMembershipProviders() {}

  static LocalMembershipService create(EepConfig config, MembershipRules rules) {
    LocalCoordinator c =
        LocalCoordinator.acquire(
            config.getString(EepKeys.INSTANCE),
            config.getInt(EepKeys.MAX_RANKS),
            rules,
            config.getMillis(EepKeys.HEARTBEAT_MS),
            config.getInt(EepKeys.HEARTBEAT_MISSES));
    return new LocalMembershipService(c, config.getMillis(EepKeys.HEARTBEAT_MS));
  }
}
