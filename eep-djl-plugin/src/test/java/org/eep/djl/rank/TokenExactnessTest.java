package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Owner;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.ModelLayout;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.ReferenceCheck;
import org.eep.djl.model.ReferenceModel;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenExactnessTest {

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {1, 2, 4, 8})
  void theEpEngineGeneratesTheReferenceTokens(int ranks) throws Exception {
    EepConfig config =
        EepConfig.of(
            Map.of(
                "eep_instance",
                TestModels.freshInstance("exact"),
                "eep_max_ranks",
                ranks,
                "eep_transport",
                "local",
                "eep_membership",
                "local",
                "eep_tier_bandwidth",
                "peer=1,host=2,disk=0.5"));
    List<GenerationRequest> requests = TestModels.requests(32, ranks);
    try (NDManager manager = NDManager.newBaseManager();
        EpCluster cluster = EpCluster.start(new EepModule(config, TestModels.tiny(), manager))) {
      List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
      Map<String, float[][]> logits = new ConcurrentHashMap<>();
      for (GenerationRequest r : requests) {
        logits.put(r.id(), new float[r.maxNewTokens()][]);
        results.add(
            cluster.submit(
                r,
                new TokenListener() {
                  @Override
                  public void onToken(String id, int index, int token, Owner owner) {}

                  @Override
                  public boolean wantsLogits() {
                    return true;
                  }

                  @Override
                  public void onLogits(String id, int index, float[] row) {
                    logits.get(id)[index] = row;
                  }
                }));
      }
      for (int i = 0; i < requests.size(); i++) {
        GenerationRequest r = requests.get(i);
        GenerationResult got = results.get(i).get(5, TimeUnit.MINUTES);
        ReferenceModel.Result want = TestModels.expected(r);
        TestModels.assertMatchesReference(r, got.tokens());
        assertThat(got.degraded()).isFalse();
        ReferenceCheck check = ReferenceCheck.of(want, got.tokens());
        int compared = check.firstDifference() < 0 ? r.maxNewTokens() : check.firstDifference() + 1;
        for (int t = 0; t < compared; t++) {
          assertThat(logits.get(r.id())[t])
              .as("%s token %d logits", r.id(), t)
              .containsExactly(want.logits()[t], offset(1e-4f));
        }
      }
    }
  }

  @Test
  void eachRankReadsOnlyItsOwnExpertSlotsFromTheCheckpoint() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, Map.of())) {
      MoeConfig m = MoeConfig.read(TestModels.tiny());
      long total = Files.size(TestModels.tiny().resolve(CheckpointGenerator.WEIGHTS));
      long experts = m.expertBytes() * m.numLayers() * m.numExperts();
      long dense = total - experts;
      int slots = fx.cluster.rank(0).expertStore().slots();
      for (int r = 0; r < 4; r++) {
        long read = fx.cluster.rank(r).stats().loads().checkpointBytes();
        long held =
            Arrays.stream(fx.cluster.rank(r).placement().expertsOn(r)).filter(e -> e >= 0).count();
        // Dense weights plus exactly the experts in its slots: about its share, not the whole
        // model.
        assertThat(read)
            .as("rank %d bytes read", r)
            .isEqualTo(dense + held * m.expertBytes() * m.numLayers() - headerBytes(total, m));
        assertThat(held).isLessThanOrEqualTo(slots);
        assertThat(read).isLessThan(total / 2);
      }
    }
  }

  private static long headerBytes(long fileSize, MoeConfig m) {
    long tensors = 0;
    for (long[] shape : ModelLayout.all(m).values()) {
      tensors += Arrays.stream(shape).reduce(1, (a, b) -> a * b) * Float.BYTES;
    }
    return fileSize - tensors;
  }
}
