package org.eep.djl.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.inject.Guice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.djl.inject.EepModule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenExactnessTest {

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {1, 2, 4, 8})
  void theEpEngineGeneratesTheReferenceTokens(int ranks) throws Exception {
    EepConfig config = EepConfig.of(Map.of("eep_instance", TestModels.freshInstance("exact"), "eep_max_ranks", ranks,
        "eep_transport", "local", "eep_membership", "local", "eep_tier_bandwidth", "peer=1,host=2,disk=0.5"));
    List<GenerationRequest> requests = TestModels.requests(32, ranks);
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster cluster = EpCluster.start(Guice.createInjector(new EepModule(config, TestModels.tiny(), manager))
            .getInstance(EpCluster.EpConfig.class))) {
      List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
      for (GenerationRequest r : requests) {
        results.add(cluster.submit(r, TokenListener.NONE));
      }
      for (int i = 0; i < requests.size(); i++) {
        GenerationResult got = results.get(i).get(5, TimeUnit.MINUTES);
        assertThat(got.tokens()).as(requests.get(i).id()).isEqualTo(TestModels.expected(requests.get(i)).tokens());
        assertThat(got.degraded()).isFalse();
      }
    }
  }
}
