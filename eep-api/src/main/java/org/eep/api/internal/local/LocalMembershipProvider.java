package org.eep.api.internal.local;

import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipRules;
import org.eep.api.membership.MembershipService;

/**
 * Membership {@code local}: an in-process coordinator per instance that turns evidence into views.
 */
public final class LocalMembershipProvider implements MembershipProvider {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public MembershipService create(EepConfig config) {
    return LocalMembershipProviders.create(config, MembershipRules.elastic());
  }
}
