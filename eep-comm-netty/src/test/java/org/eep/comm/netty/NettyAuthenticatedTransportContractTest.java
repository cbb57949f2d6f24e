package org.eep.comm.netty;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.TransportContract;

/**
 * With {@code eep_secret} set (every frame tagged and verified), {@code tcp} still passes the whole
 * kit.
 */
class NettyAuthenticatedTransportContractTest extends TransportContract {
  @Override
  protected EepConfig config(String instance, int maxRanks) {
    return EepConfig.of(
        Map.of(
            "eep_transport",
            "tcp",
            "eep_instance",
            instance,
            "eep_max_ranks",
            maxRanks,
            "eep_secret",
            "contract-kit-secret"));
  }
}
