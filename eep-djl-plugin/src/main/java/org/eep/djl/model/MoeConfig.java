package org.eep.djl.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Qwen3-MoE-style decoder's hyper-parameters, read from and written to Hugging Face's {@code
 * config.json} field names. Immutable.
 */
public record MoeConfig(
    @SerializedName("model_type") String modelType,
    @SerializedName("vocab_size") int vocabSize,
    @SerializedName("hidden_size") int hiddenSize,
    @SerializedName("num_hidden_layers") int numLayers,
    @SerializedName("num_attention_heads") int numHeads,
    @SerializedName("num_key_value_heads") int numKvHeads,
    @SerializedName("head_dim") int headDim,
    @SerializedName("num_experts") int numExperts,
    @SerializedName("num_experts_per_tok") int topK,
    @SerializedName("moe_intermediate_size") int moeIntermediateSize,
    @SerializedName("max_position_embeddings") int maxPositions,
    @SerializedName("rms_norm_eps") double rmsNormEps,
    @SerializedName("rope_theta") double ropeTheta,
    @SerializedName("norm_topk_prob") boolean normTopkProb,
    @SerializedName("tie_word_embeddings") boolean tieWordEmbeddings) {

  public static final String FILE = "config.json";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  /** Checks the values make a model; the message names the offending field. */
  public MoeConfig validate(Path file) {
    check(file, vocabSize > 0, "vocab_size must be > 0");
    check(file, hiddenSize > 0, "hidden_size must be > 0");
    check(file, numLayers > 0, "num_hidden_layers must be > 0");
    check(
        file,
        numHeads > 0 && numKvHeads > 0 && numHeads % numKvHeads == 0,
        "num_attention_heads must be a positive multiple of num_key_value_heads");
    check(file, headDim > 0 && headDim % 2 == 0, "head_dim must be even and > 0");
    check(file, numExperts > 0, "num_experts must be > 0");
    check(file, topK > 0 && topK <= numExperts, "num_experts_per_tok must be in [1, num_experts]");
    check(file, moeIntermediateSize > 0, "moe_intermediate_size must be > 0");
    check(file, maxPositions > 0, "max_position_embeddings must be > 0");
    return this;
  }

  /** Bytes of one expert's weights (gate, up and down projections, float32). */
  public long expertBytes() {
    return 3L * hiddenSize * moeIntermediateSize * Float.BYTES;
  }

  /**
   * Bytes of the dense weights a step reads whole on every rank: each layer's norms, attention
   * projections and router, the final norm and the LM head (embeddings are read row by row).
   */
  public long denseBytesReadPerStep() {
    long q = (long) numHeads * headDim;
    long kv = (long) numKvHeads * headDim;
    long layer =
        2L * hiddenSize
            + hiddenSize * (q + 2 * kv)
            + 2L * headDim
            + q * hiddenSize
            + (long) hiddenSize * numExperts;
    return (layer * numLayers + hiddenSize + (long) hiddenSize * vocabSize) * Float.BYTES;
  }

  /** Bytes of one logical expert over every layer: what a repair moves to restore it. */
  public long expertBytesAllLayers() {
    return expertBytes() * numLayers;
  }

  public static MoeConfig read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(
          file + ": missing (a model directory holds config.json and model.safetensors)");
    }
    try {
      MoeConfig c = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), MoeConfig.class);
      if (c == null) {
        throw new CheckpointException(file + ": empty");
      }
      return c.validate(file);
    } catch (IOException | JsonParseException e) {
      throw new CheckpointException(file + ": unreadable: " + e.getMessage(), e);
    }
  }

  public void write(Path dir) throws IOException {
    Files.writeString(dir.resolve(FILE), GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
  }

  private static void check(Path file, boolean ok, String what) {
    if (!ok) {
      throw new CheckpointException(file + ": " + what);
    }
  }
}
