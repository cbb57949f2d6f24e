package org.eep.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * The oracle: a single-process, fixed-membership forward pass of the whole model with no transport,
 * one request at a time, one token per step (prompt tokens included). Used only to check the EP
 * engine. Not thread-safe.
 */
public final class ReferenceModel implements AutoCloseable {
  /** Generated tokens and, for each, the logits it was chosen from. */
  public record Result(int[] tokens, float[][] logits) {}

  private final MoeConfig config;
  private final NDManager manager;
  private final DenseWeights dense;
  private final NDArray[][][] experts;

  private ReferenceModel(
      MoeConfig config, NDManager manager, DenseWeights dense, NDArray[][][] experts) {
    this.config = config;
    this.manager = manager;
    this.dense = dense;
    this.experts = experts;
  }

  public static ReferenceModel load(Path dir, NDManager parent) {
    MoeConfig c = MoeConfig.read(dir);
    NDManager m = parent.newSubManager();
    try (SafetensorsFile f = new SafetensorsFile(dir.resolve(CheckpointGenerator.WEIGHTS))) {
      f.requireAll(ModelLayout.all(c));
      DenseWeights dense = DenseWeights.load(c, f, m);
      NDArray[][][] experts = new NDArray[c.numLayers()][c.numExperts()][];
      for (int l = 0; l < c.numLayers(); l++) {
        for (int e = 0; e < c.numExperts(); e++) {
          experts[l][e] = new NDArray[3];
          for (int p = 0; p < 3; p++) {
            experts[l][e][p] =
                f.read(m, TensorNames.expert(l, e, TensorNames.EXPERT_PROJECTIONS[p]));
          }
        }
      }
      return new ReferenceModel(c, m, dense, experts);
    }
  }

  public MoeConfig config() {
    return config;
  }

  /** Greedy generation of {@code maxNewTokens} tokens after {@code prompt}. */
  public Result generate(int[] prompt, int maxNewTokens) {
    int[] out = new int[maxNewTokens];
    float[][] logits = new float[maxNewTokens][];
    int total = prompt.length + maxNewTokens - 1;
    try (NDManager step = manager.newSubManager();
        KvCache cache = new KvCache(config, step, total)) {
      int produced = 0;
      for (int pos = 0; pos < total && produced < maxNewTokens; pos++) {
        int token = pos < prompt.length ? prompt[pos] : out[pos - prompt.length];
        try (NDManager scratch = step.newSubManager()) {
          NDArray h = MoeMath.embed(dense, new int[] {token});
          h.attach(scratch);
          for (int l = 0; l < config.numLayers(); l++) {
            h = layer(l, h, cache, pos);
          }
          if (pos >= prompt.length - 1) {
            NDArray lg = MoeMath.logits(config, dense, h);
            logits[produced] = lg.toFloatArray();
            out[produced] = (int) lg.argMax(1).toLongArray()[0];
            produced++;
          }
        }
      }
    }
    return new Result(out, logits);
  }

  private NDArray layer(int l, NDArray x, KvCache cache, int pos) {
    DenseWeights.LayerWeights w = dense.layers()[l];
    NDArray a =
        MoeMath.attention(
            config, w, MoeMath.rmsNorm(x, w.inputNorm(), config.rmsNormEps()), cache.layer(l), pos);
    NDArray h = x.add(a);
    NDArray m = MoeMath.rmsNorm(h, w.postNorm(), config.rmsNormEps());
    NDList routed = MoeMath.route(config, m, w.router());
    int[] chosen = routed.get(1).toIntArray();
    NDList outs = new NDList();
    for (int e : chosen) {
      NDArray[] p = experts[l][e];
      outs.add(MoeMath.expert(m, p[0], p[1], p[2]));
    }
    NDArray stacked = NDArrays.stack(outs, 1);
    return h.add(MoeMath.combine(stacked, routed.get(0)));
  }

  @Override
  public void close() {
    manager.close();
  }
}
