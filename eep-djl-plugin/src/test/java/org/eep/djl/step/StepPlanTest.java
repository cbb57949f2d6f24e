package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.eep.api.membership.Owner;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.Preset;
import org.eep.djl.model.SafetensorsFile;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.RequestState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attention groups split to bound their scores compute the same outputs as one group. */
class StepPlanTest {
  private static final MoeConfig TINY = Preset.TINY.config();

  @Test
  void splittingPrefillsIntoBoundedGroupsChangesNoOutput(@TempDir Path dir) throws Exception {
    CheckpointGenerator.generate(TINY, 7, dir, s -> {});
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile file = new SafetensorsFile(dir.resolve("model.safetensors"));
        KvPool kv = new KvPool(TINY, m, 512)) {
      StepWeights weights = StepWeights.of(TINY, DenseWeights.load(TINY, file, m), m);
      RopeTables rope = new RopeTables(TINY, m);
      Attention attention = new Attention(TINY, weights, kv);
      List<ActiveRequest> batch = new ArrayList<>();
      Random rnd = new Random(3);
      for (int length : new int[] {40, 33, 20}) {
        int[] prompt = rnd.ints(length, 0, TINY.vocabSize()).toArray();
        ActiveRequest r =
            new ActiveRequest(
                new RequestState(
                    new GenerationRequest("r" + length, prompt, 4), (id, i, token, o) -> {}),
                new Owner(0, 1),
                new int[0]);
        assertThat(r.reserve(kv)).isTrue();
        batch.add(r);
      }
      StepBudget budget = new StepBudget(512, 2048);
      int heads = TINY.numHeads();
      try (NDManager scratch = m.newSubManager()) {
        StepPlan whole = new StepPlan(batch, budget, heads, Long.MAX_VALUE, scratch);
        StepPlan split = new StepPlan(batch, budget, heads, heads * 48L * 48, scratch);
        assertThat(whole.groups).hasSize(1);
        assertThat(split.groups).hasSize(3);
        assertThat(split.groups).allSatisfy(g -> assertThat(g.b()).isEqualTo(1));
        int t = whole.tokens;
        NDArray x = scratch.randomNormal(new Shape(t, TINY.hiddenSize()));
        NDArray a = forward(attention, x, whole, rope, scratch);
        NDArray b = forward(attention, x, split, rope, scratch);
        assertThat(a.getShape()).isEqualTo(b.getShape());
        assertThat(a.sub(b).abs().max().getFloat()).isLessThan(1e-5f);
      }
    }
  }

  private static NDArray forward(
      Attention attention, NDArray x, StepPlan plan, RopeTables rope, NDManager scratch) {
    int t = plan.tokens;
    NDArray cos =
        rope.cos().get(scratch, new NDIndex("{}", plan.positions)).reshape(t, 1, TINY.headDim());
    NDArray sin =
        rope.sin().get(scratch, new NDIndex("{}", plan.positions)).reshape(t, 1, TINY.headDim());
    return attention.forward(0, x, plan, cos, sin);
  }
}
