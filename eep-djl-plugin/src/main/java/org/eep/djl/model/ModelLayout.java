package org.eep.djl.model;

import static org.eep.djl.model.TensorNames.EMBED;
import static org.eep.djl.model.TensorNames.FINAL_NORM;
import static org.eep.djl.model.TensorNames.INPUT_NORM;
import static org.eep.djl.model.TensorNames.K;
import static org.eep.djl.model.TensorNames.K_NORM;
import static org.eep.djl.model.TensorNames.LM_HEAD;
import static org.eep.djl.model.TensorNames.O;
import static org.eep.djl.model.TensorNames.POST_NORM;
import static org.eep.djl.model.TensorNames.Q;
import static org.eep.djl.model.TensorNames.Q_NORM;
import static org.eep.djl.model.TensorNames.ROUTER;
import static org.eep.djl.model.TensorNames.V;

import java.util.LinkedHashMap;
import java.util.Map;

/** The name and shape of every tensor a {@link MoeConfig} implies, in checkpoint order. */
public final class ModelLayout {
  private ModelLayout() {}

  /** Dense tensors (every rank loads these): embeddings, attention, norms, routers, head. */
  public static Map<String, long[]> dense(MoeConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    m.put(EMBED, new long[] {c.vocabSize(), h});
    for (int l = 0; l < c.numLayers(); l++) {
      m.put(TensorNames.layer(l, INPUT_NORM), new long[] {h});
      m.put(TensorNames.layer(l, Q), new long[] {q, h});
      m.put(TensorNames.layer(l, K), new long[] {kv, h});
      m.put(TensorNames.layer(l, V), new long[] {kv, h});
      m.put(TensorNames.layer(l, O), new long[] {h, q});
      m.put(TensorNames.layer(l, Q_NORM), new long[] {c.headDim()});
      m.put(TensorNames.layer(l, K_NORM), new long[] {c.headDim()});
      m.put(TensorNames.layer(l, POST_NORM), new long[] {h});
      m.put(TensorNames.layer(l, ROUTER), new long[] {c.numExperts(), h});
    }
    m.put(FINAL_NORM, new long[] {h});
    if (!c.tieWordEmbeddings()) {
      m.put(LM_HEAD, new long[] {c.vocabSize(), h});
    }
    return m;
  }

  /** The three projections of one expert in one layer. */
  public static Map<String, long[]> expert(MoeConfig c, int layer, int expert) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long i = c.moeIntermediateSize();
    m.put(TensorNames.expert(layer, expert, "gate_proj"), new long[] {i, h});
    m.put(TensorNames.expert(layer, expert, "up_proj"), new long[] {i, h});
    m.put(TensorNames.expert(layer, expert, "down_proj"), new long[] {h, i});
    return m;
  }

  /** Every tensor of the model. */
  public static Map<String, long[]> all(MoeConfig c) {
    Map<String, long[]> m = dense(c);
    for (int l = 0; l < c.numLayers(); l++) {
      for (int e = 0; e < c.numExperts(); e++) {
        m.putAll(expert(c, l, e));
      }
    }
    return m;
  }
}
