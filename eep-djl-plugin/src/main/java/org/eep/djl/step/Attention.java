package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.eep.djl.model.MoeConfig;

/**
 * Batched attention of one layer for all of a rank's tokens: one fused qkv projection, q/k RMSNorm
 * per head, rotary embedding from the precomputed tables, the new keys and values written into the
 * {@link KvPool} rows of their positions, then per {@link StepPlan} group a gather of the group's
 * keys and values from the pool, masked scores, softmax and the weighted values, with the query
 * heads grouped per key/value head (no copy of keys per query head). The number of tensor
 * operations does not depend on the batch. Runs on the rank thread.
 */
final class Attention {
  private final MoeConfig c;
  private final StepWeights weights;
  private final KvPool kv;
  private final int qWidth;
  private final int kvWidth;
  private final int group;

  Attention(MoeConfig c, StepWeights weights, KvPool kv) {
    this.c = requireNonNull(c, "c is null");
    this.weights = requireNonNull(weights, "weights is null");
    this.kv = requireNonNull(kv, "kv is null");
    this.qWidth = c.numHeads() * c.headDim();
    this.kvWidth = c.numKvHeads() * c.headDim();
    this.group = c.numHeads() / c.numKvHeads();
  }

  /**
   * The attention output {@code [T, h]} (before the residual) of the normalised hidden states
   * {@code x} {@code [T, h]}.
   */
  NDArray forward(int layer, NDArray x, StepPlan plan, NDArray cos, NDArray sin) {
    StepWeights.Layer w = weights.layer(layer);
    int t = plan.tokens;
    int hd = c.headDim();
    NDArray qkv = x.matMul(w.qkv());
    // Queries and keys together: one head norm and one rotary embedding over all their heads.
    NDArray qk =
        rope(
            Kernels.rmsNorm(
                qkv.get(columns(0, qWidth + kvWidth)).reshape(t, c.numHeads() + c.numKvHeads(), hd),
                w.qkNorm(),
                c.rmsNormEps()),
            cos,
            sin);
    NDArray q = qk.get(new NDIndex().addAllDim().addSliceDim(0, c.numHeads()));
    NDArray k =
        qk.get(new NDIndex().addAllDim().addSliceDim(c.numHeads(), c.numHeads() + c.numKvHeads()));
    NDArray v =
        qkv.get(columns(qWidth + kvWidth, qWidth + 2 * kvWidth)).reshape(t, c.numKvHeads(), hd);
    NDIndex written = new NDIndex(":, {}", plan.kvRows);
    kv.keys(layer).set(written, k.transpose(1, 0, 2));
    kv.values(layer).set(written, v.transpose(1, 0, 2));
    NDList outs = new NDList(plan.groups.size());
    for (StepPlan.Group g : plan.groups) {
      outs.add(attend(layer, q, g));
    }
    NDArray out = outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 0);
    if (plan.gatherOut != null) {
      out = out.get(plan.gatherOut);
    }
    return out.matMul(w.out());
  }

  /**
   * One group, {@code [b × c, heads × headDim]} with padding queries included. Everything runs per
   * key/value head as the outer batch dimension: the gathered keys and values are then contiguous
   * {@code [kvHeads, b, l, headDim]} matrices and the products need no copies.
   */
  private NDArray attend(int layer, NDArray q, StepPlan.Group g) {
    int hd = c.headDim();
    int nkv = c.numKvHeads();
    NDManager m = q.getManager();
    NDIndex blocks = new NDIndex(":, {}", g.keyBlocks());
    NDArray keys = kv.keyBlocks(layer).get(m, blocks).reshape(nkv, g.b(), g.l(), hd);
    NDArray values = kv.valueBlocks(layer).get(m, blocks).reshape(nkv, g.b(), g.l(), hd);
    NDArray queries =
        q.get(g.queryRows())
            .reshape(g.b(), g.c(), nkv, group, hd)
            .transpose(2, 0, 3, 1, 4)
            .reshape(nkv, g.b(), group * g.c(), hd);
    // The scores are the group's one big tensor: scaled and masked in place.
    NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2));
    scores.divi(Math.sqrt(hd));
    NDArray masked = scores.reshape(nkv, g.b(), group, g.c(), g.l());
    masked.addi(g.mask());
    NDArray attended = masked.softmax(-1).reshape(nkv, g.b(), group * g.c(), g.l()).matMul(values);
    return attended
        .reshape(nkv, g.b(), group, g.c(), hd)
        .transpose(1, 3, 0, 2, 4)
        .reshape((long) g.b() * g.c(), (long) c.numHeads() * hd);
  }

  private static NDIndex columns(long from, long to) {
    return new NDIndex().addAllDim().addSliceDim(from, to);
  }

  /**
   * Rotary embedding of {@code x} {@code [T, heads, headDim]} with {@code cos}, {@code sin} {@code
   * [T, 1, headDim]} (rotate-half form).
   */
  private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    int half = c.headDim() / 2;
    NDArray x1 = x.get(new NDIndex().addAllDim(2).addSliceDim(0, half));
    NDArray x2 = x.get(new NDIndex().addAllDim(2).addSliceDim(half, c.headDim()));
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), 2);
    return x.mul(cos).add(rotated.mul(sin));
  }
}
