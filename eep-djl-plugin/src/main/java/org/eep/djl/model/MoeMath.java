package org.eep.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The decoder's numerical kernels on DJL NDArrays, shared by the EP engine and the reference so
 * both compute each token the same way. Stateless; every result is attached to the manager of its
 * first operand. Device-agnostic: nothing here assumes the CPU.
 */
public final class MoeMath {
  private MoeMath() {}

  /** RMSNorm over the last axis. */
  public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray var = x.square().mean(new int[] {-1}, true);
    return x.div(var.add(eps).sqrt()).mul(weight);
  }

  /** {@code x · wᵀ}: a linear layer without bias. */
  public static NDArray linear(NDArray x, NDArray w) {
    return x.matMul(w.transpose());
  }

  /** SwiGLU expert: {@code down(silu(gate(x)) * up(x))}. */
  public static NDArray expert(NDArray x, NDArray gate, NDArray up, NDArray down) {
    NDArray g = linear(x, gate);
    NDArray silu = g.mul(Activation.sigmoid(g));
    return linear(silu.mul(linear(x, up)), down);
  }

  /** Rotary embedding of {@code x} [heads, headDim] at {@code position} (rotate-half form). */
  public static NDArray rope(NDArray x, int position, double theta) {
    long d = x.getShape().get(1);
    long half = d / 2;
    NDManager m = x.getManager();
    float[] cos = new float[(int) d];
    float[] sin = new float[(int) d];
    for (int i = 0; i < half; i++) {
      double invFreq = Math.pow(theta, -2.0 * i / d);
      double angle = position * invFreq;
      cos[i] = cos[(int) (i + half)] = (float) Math.cos(angle);
      sin[i] = sin[(int) (i + half)] = (float) Math.sin(angle);
    }
    NDArray x1 = x.get(new NDIndex(":, :{}", half));
    NDArray x2 = x.get(new NDIndex(":, {}:", half));
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), 1);
    return x.mul(m.create(cos)).add(rotated.mul(m.create(sin)));
  }

  /**
   * Attention of one token at {@code position} for one request: projects, normalises q and k per
   * head, applies rotary embeddings, writes k and v into the cache at {@code position} (in place,
   * so a re-run overwrites with the same values) and attends over positions 0..position.
   *
   * @param x the normalised hidden state [1, hidden]
   * @return the attention output [1, hidden]
   */
  public static NDArray attention(
      MoeConfig c, DenseWeights.LayerWeights w, NDArray x, KvCache.Layer cache, int position) {
    int nh = c.numHeads();
    int nkv = c.numKvHeads();
    int hd = c.headDim();
    NDArray q = rmsNorm(linear(x, w.q()).reshape(nh, hd), w.qNorm(), c.rmsNormEps());
    NDArray k = rmsNorm(linear(x, w.k()).reshape(nkv, hd), w.kNorm(), c.rmsNormEps());
    NDArray v = linear(x, w.v()).reshape(nkv, hd);
    q = rope(q, position, c.ropeTheta());
    k = rope(k, position, c.ropeTheta());
    cache.keys().set(new NDIndex(position), k);
    cache.values().set(new NDIndex(position), v);
    NDArray keys = cache.keys().get(new NDIndex(":{}", position + 1)).transpose(1, 0, 2);
    NDArray values = cache.values().get(new NDIndex(":{}", position + 1)).transpose(1, 0, 2);
    if (nh != nkv) {
      keys = keys.repeat(0, nh / nkv);
      values = values.repeat(0, nh / nkv);
    }
    NDArray scores = q.reshape(nh, 1, hd).matMul(keys.transpose(0, 2, 1)).div(Math.sqrt(hd));
    NDArray out = scores.softmax(-1).matMul(values).reshape(1, (long) nh * hd);
    return linear(out, w.o());
  }

  /**
   * Router probabilities of the top-k experts per token: ({@code weights} [B,k] float, {@code
   * experts} [B,k] int).
   */
  public static NDList route(MoeConfig c, NDArray x, NDArray router) {
    NDArray probs = linear(x, router).softmax(-1);
    NDList top = probs.topK(c.topK(), -1, true, true);
    NDArray weights = top.get(0);
    if (c.normTopkProb()) {
      weights = weights.div(weights.sum(new int[] {-1}, true));
    }
    return new NDList(weights, top.get(1).toType(DataType.INT32, false));
  }

  /** Weighted sum over the k expert outputs in top-k order: [B,k,H] × [B,k] → [B,H]. */
  public static NDArray combine(NDArray outputs, NDArray weights) {
    return outputs.mul(weights.expandDims(-1)).sum(new int[] {1});
  }

  /** Logits of the last hidden states [B,H] → [B,vocab]. */
  public static NDArray logits(MoeConfig c, DenseWeights d, NDArray hidden) {
    return linear(rmsNorm(hidden, d.finalNorm(), c.rmsNormEps()), d.lmHead());
  }

  /** Embeddings of token ids. */
  public static NDArray embed(DenseWeights d, int[] tokens) {
    NDManager m = d.embed().getManager();
    return d.embed().get(m.create(tokens, new Shape(tokens.length)));
  }
}
