package org.eep.comm.ucx;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.TransportContract;

class UcxTransportContractTest extends TransportContract {
  @Override
  protected EepConfig config(String instance, int maxRanks) {
    return EepConfig.of(
        Map.of(
            "eep_transport",
            "ucx",
            "eep_instance",
            instance,
            "eep_max_ranks",
            maxRanks,
            "eep_host",
            "127.0.0.1"));
  }
}
