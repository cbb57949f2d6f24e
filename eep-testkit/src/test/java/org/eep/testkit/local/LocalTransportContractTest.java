package org.eep.testkit.local;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.TransportContract;

class LocalTransportContractTest extends TransportContract {
  @Override
  protected EepConfig config(String instance, int maxRanks) {
    return EepConfig.of(
        Map.of("eep_transport", "local", "eep_instance", instance, "eep_max_ranks", maxRanks));
  }
}
