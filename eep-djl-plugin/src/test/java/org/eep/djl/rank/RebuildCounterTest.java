package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.inject.util.Modules;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.junit.jupiter.api.Test;

/**
 * The rebuild counter of RankStats counts real re-allocations, so "0 rebuilds" on healthy ranks
 * means something.
 */
class RebuildCounterTest {

  @Test
  void aPlacementTheRoutingTableCannotHoldInPlaceIsCountedAsARebuildAndStillServesExactTokens()
      throws Exception {
    // The balanced placement, then a second copy of expert 0 on rank 0 in place of another expert
    // that rank 1 also holds:
    // three active replicas of expert 0 in tables two ranks wide.
    PlacementPolicy crowding =
        request -> {
          ExpertPlacement balanced = new BalancedPlacementPolicy().place(request);
          int[] map = balanced.physicalToLogical();
          for (int s = 0; s < balanced.slotsPerRank(); s++) {
            if (map[s] > 0) {
              map[s] = 0;
              break;
            }
          }
          return new ExpertPlacement(
              balanced.maxRanks(), balanced.slotsPerRank(), balanced.logicalExperts(), map);
        };
    EepConfig config =
        EepConfig.of(
            Map.of(
                "eep_instance",
                TestModels.freshInstance("rebuild"),
                "eep_max_ranks",
                2,
                "eep_transport",
                "local",
                "eep_membership",
                "local",
                "eep_tier_bandwidth",
                "peer=4,host=2,disk=0.5"));
    List<GenerationRequest> requests = TestModels.requests(8, 77);
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster cluster =
            EpCluster.start(
                Modules.override(new EepModule(config, TestModels.tiny(), manager))
                    .with(b -> b.bind(PlacementPolicy.class).toInstance(crowding)))) {
      for (int r = 0; r < 2; r++) {
        assertThat(cluster.rank(r).placement().replicaCount(0)).isEqualTo(3);
        assertThat(cluster.rank(r).stats().rebuilds().tables())
            .as("rank %d table rebuilds", r)
            .isEqualTo(1);
      }
      for (GenerationRequest req : requests) {
        CompletableFuture<GenerationResult> f = cluster.submit(req, TokenListener.NONE);
        TestModels.assertMatchesReference(req, f.get(2, TimeUnit.MINUTES).tokens());
      }
    }
  }
}
