package org.eep.comm.ucx;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.testkit.TransportContract;

/**
 * With {@code eep_secret} set (every frame tagged and verified), {@code ucx} still passes the whole
 * kit.
 */
class UcxAuthenticatedTransportContractTest extends TransportContract {
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
            "127.0.0.1",
            "eep_secret",
            "contract-kit-secret"));
  }
}
