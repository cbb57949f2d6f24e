package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.MoeConfig;

/**
 * The dense weights laid out for the batched step, made once from the checkpoint's {@link
 * DenseWeights}: each projection transposed to {@code [in, out]} so a batch multiplies it directly,
 * and the q, k and v projections fused into one matrix (one matrix product per layer for all
 * three). The reference model keeps the checkpoint's layout.
 */
public final class StepWeights {
  /**
   * One decoder layer: norms, fused {@code [h, (heads + 2 kvHeads) headDim]} qkv, the q and k head
   * norms as one {@code [heads + kvHeads, headDim]} weight, {@code [heads headDim, h]} output,
   * {@code [h, experts]} router.
   */
  public record Layer(
      NDArray inputNorm,
      NDArray qkv,
      NDArray qkNorm,
      NDArray out,
      NDArray postNorm,
      NDArray router) {}

  private final NDArray embed;
  private final Layer[] layers;
  private final NDArray finalNorm;
  private final NDArray lmHead;

  private StepWeights(NDArray embed, Layer[] layers, NDArray finalNorm, NDArray lmHead) {
    this.embed = embed;
    this.layers = layers;
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
  }

  /** The step's layout of {@code dense}, allocated in {@code manager}. */
  public static StepWeights of(MoeConfig config, DenseWeights dense, NDManager manager) {
    requireNonNull(config, "config is null");
    try (NDManager scratch = manager.newSubManager()) {
      Layer[] layers = new Layer[config.numLayers()];
      for (int l = 0; l < layers.length; l++) {
        DenseWeights.LayerWeights w = dense.layers()[l];
        NDArray qkv = NDArrays.concat(new NDList(w.q(), w.k(), w.v()), 0);
        qkv.attach(scratch);
        layers[l] =
            new Layer(
                keep(w.inputNorm(), manager, scratch),
                keep(transposed(qkv, scratch), manager, scratch),
                keep(qkNorm(config, w, scratch), manager, scratch),
                keep(transposed(w.o(), scratch), manager, scratch),
                keep(w.postNorm(), manager, scratch),
                keep(transposed(w.router(), scratch), manager, scratch));
      }
      return new StepWeights(
          keep(dense.embed(), manager, scratch),
          layers,
          keep(dense.finalNorm(), manager, scratch),
          keep(transposed(dense.lmHead(), scratch), manager, scratch));
    }
  }

  /**
   * The q and k head norms as one {@code [heads + kvHeads, headDim]} weight: the query heads' rows,
   * then the key heads'.
   */
  private static NDArray qkNorm(MoeConfig c, DenseWeights.LayerWeights w, NDManager scratch) {
    NDArray q = w.qNorm().reshape(1, c.headDim()).repeat(0, c.numHeads());
    q.attach(scratch);
    NDArray k = w.kNorm().reshape(1, c.headDim()).repeat(0, c.numKvHeads());
    k.attach(scratch);
    NDArray both = NDArrays.concat(new NDList(q, k), 0);
    both.attach(scratch);
    return both;
  }

  private static NDArray transposed(NDArray x, NDManager scratch) {
    NDArray t = x.transpose();
    t.attach(scratch);
    return t;
  }

  /**
   * A contiguous copy of {@code x} (a transposed view is laid out anew) owned by {@code manager};
   * temporaries go to {@code scratch}.
   */
  private static NDArray keep(NDArray x, NDManager manager, NDManager scratch) {
    NDArray flat = x.flatten();
    flat.attach(scratch);
    NDArray view = flat.reshape(x.getShape());
    view.attach(scratch);
    NDArray c = view.duplicate();
    c.attach(manager);
    return c;
  }

  /** Token embeddings {@code [vocab, h]}. */
  public NDArray embed() {
    return embed;
  }

  public Layer layer(int l) {
    return layers[l];
  }

  public NDArray finalNorm() {
    return finalNorm;
  }

  /** The LM head, {@code [h, vocab]}. */
  public NDArray lmHead() {
    return lmHead;
  }
}
