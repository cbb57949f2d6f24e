package org.eep.djl.model;

import static org.eep.djl.model.TensorNames.EMBED;
import static org.eep.djl.model.TensorNames.FINAL_NORM;
import static org.eep.djl.model.TensorNames.LM_HEAD;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.Function;

/** The weights every rank holds: embeddings, attention, norms, routers and the LM head. */
public record DenseWeights(
    NDArray embed, LayerWeights[] layers, NDArray finalNorm, NDArray lmHead) {

  /** One decoder layer's dense weights. */
  public record LayerWeights(
      NDArray inputNorm,
      NDArray q,
      NDArray k,
      NDArray v,
      NDArray o,
      NDArray qNorm,
      NDArray kNorm,
      NDArray postNorm,
      NDArray router) {}

  /** Reads the dense tensors (validated first) into {@code manager}. */
  public static DenseWeights load(MoeConfig c, SafetensorsFile file, NDManager manager) {
    LayerWeights[] layers = new LayerWeights[c.numLayers()];
    for (int l = 0; l < layers.length; l++) {
      final int layer = l;
      Function<String, NDArray> r = s -> file.read(manager, TensorNames.layer(layer, s));
      layers[l] =
          new LayerWeights(
              r.apply(TensorNames.INPUT_NORM),
              r.apply(TensorNames.Q),
              r.apply(TensorNames.K),
              r.apply(TensorNames.V),
              r.apply(TensorNames.O),
              r.apply(TensorNames.Q_NORM),
              r.apply(TensorNames.K_NORM),
              r.apply(TensorNames.POST_NORM),
              r.apply(TensorNames.ROUTER));
    }
    NDArray embed = file.read(manager, EMBED);
    NDArray head = c.tieWordEmbeddings() ? embed : file.read(manager, LM_HEAD);
    return new DenseWeights(embed, layers, file.read(manager, FINAL_NORM), head);
  }
}
