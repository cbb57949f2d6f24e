package org.eep.membership.zookeeper;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.ElasticMembershipContract;

/** The elastic membership contract against an embedded ZooKeeper server (one per instance). */
class ZooKeeperMembershipContractTest extends ElasticMembershipContract {
  @Override
  protected EepConfig config(String instance, int maxRanks, long heartbeatMs, int misses) {
    return EepConfig.of(
        Map.of(
            "eep_membership",
            "zookeeper",
            "eep_instance",
            instance,
            "eep_max_ranks",
            maxRanks,
            "eep_heartbeat_ms",
            heartbeatMs,
            "eep_heartbeat_misses",
            misses));
  }
}
