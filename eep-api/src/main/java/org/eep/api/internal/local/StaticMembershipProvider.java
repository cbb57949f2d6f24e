package org.eep.api.internal.local;

import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipRules;
import org.eep.api.membership.MembershipService;

/**
 * Membership {@code static}: fixed membership, as in NCCL/DeepEP stacks. Once every slot has been
 * active, the first failure puts the instance in the terminal FAILED state; recovery means a full
 * restart. The baseline that full-restart numbers are measured against.
 */
public final class StaticMembershipProvider implements MembershipProvider {
  @Override
  public String name() {
    return "static";
  }

  @Override
  public MembershipService create(EepConfig config) {
    return LocalMembershipProviders.create(config, MembershipRules.fixed());
  }
}
