package org.eep.djl.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Sizes of generated checkpoints: {@code tiny} for tests, {@code demo} for the main job, {@code
 * large} (1.6 GB, 1.5 GiB of it experts) where a restart is dominated by loading weights.
 */
public enum Preset {
  TINY(
      new MoeConfig("qwen3_moe", 512, 64, 2, 4, 4, 16, 16, 2, 64, 256, 1e-6, 10000.0, true, false)),
  SMALL(
      new MoeConfig(
          "qwen3_moe", 1024, 128, 3, 4, 2, 32, 32, 4, 96, 512, 1e-6, 10000.0, true, false)),
  DEMO(
      new MoeConfig(
          "qwen3_moe", 2048, 256, 4, 8, 4, 32, 64, 4, 128, 1024, 1e-6, 10000.0, true, false)),
  LARGE(
      new MoeConfig(
          "qwen3_moe", 4096, 512, 8, 8, 4, 64, 64, 4, 512, 1024, 1e-6, 10000.0, true, false));

  private final MoeConfig config;

  Preset(MoeConfig config) {
    this.config = config;
  }

  public MoeConfig config() {
    return config;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The preset named {@code id} (case-insensitive); fails listing the names. */
  public static Preset of(String id) {
    for (Preset p : values()) {
      if (p.id().equalsIgnoreCase(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "Unknown preset '"
            + id
            + "'; known: "
            + Arrays.stream(values()).map(Preset::id).collect(Collectors.joining(", ")));
  }
}
