package org.eep.djl.model;

/** Hugging Face tensor names of the Qwen3-MoE family. */
public final class TensorNames {
  private TensorNames() {}

  public static final String EMBED = "model.embed_tokens.weight";
  public static final String FINAL_NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  public static String layer(int layer, String suffix) {
    return "model.layers." + layer + "." + suffix;
  }

  /** {@code which} is gate_proj, up_proj or down_proj. */
  public static String expert(int layer, int expert, String which) {
    return "model.layers." + layer + ".mlp.experts." + expert + "." + which + ".weight";
  }

  public static final String INPUT_NORM = "input_layernorm.weight";
  public static final String POST_NORM = "post_attention_layernorm.weight";
  public static final String Q = "self_attn.q_proj.weight";
  public static final String K = "self_attn.k_proj.weight";
  public static final String V = "self_attn.v_proj.weight";
  public static final String O = "self_attn.o_proj.weight";
  public static final String Q_NORM = "self_attn.q_norm.weight";
  public static final String K_NORM = "self_attn.k_norm.weight";
  public static final String ROUTER = "mlp.gate.weight";
  public static final String[] EXPERT_PROJECTIONS = {"gate_proj", "up_proj", "down_proj"};
}
