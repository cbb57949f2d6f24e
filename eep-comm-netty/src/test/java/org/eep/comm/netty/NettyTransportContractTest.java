package org.eep.comm.netty;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.TransportContract;

/** The {@code tcp} transport passes the conformance kit every transport must pass. */
class NettyTransportContractTest extends TransportContract {
  @Override
  protected EepConfig config(String instance, int maxRanks) {
    return EepConfig.of(
        Map.of("eep_transport", "tcp", "eep_instance", instance, "eep_max_ranks", maxRanks));
  }
}
