package org.eep.djl.request;

/**
 * A finished request: its tokens, and whether any was computed with experts dropped from top-k
 * ({@code eep_on_coverage_loss=drop}) rather than by the exact model.
 */
public record GenerationResult(String id, int[] tokens, boolean degraded) {
  public GenerationResult {
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
