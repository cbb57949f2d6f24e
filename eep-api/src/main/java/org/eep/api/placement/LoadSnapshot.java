package org.eep.api.placement;

import java.util.Arrays;
import java.util.Random;

/**
 * Tokens routed to each logical expert over some window, identified by {@code id} so that every
 * rank can name the snapshot a placement was computed from. Immutable.
 */
public record LoadSnapshot(long id, double[] tokensPerExpert) {
  public LoadSnapshot {
    tokensPerExpert = tokensPerExpert.clone();
    for (double t : tokensPerExpert) {
      if (!(t >= 0)) {
        throw new IllegalArgumentException("loads must be >= 0 and finite");
      }
    }
  }

  /** Snapshot 0: every expert equally loaded. */
  public static LoadSnapshot uniform(int experts) {
    double[] load = new double[experts];
    Arrays.fill(load, 1.0);
    return new LoadSnapshot(0, load);
  }

  /**
   * Zipf-like loads, {@code 10^6 / (i + 1)^exponent} for the i-th most popular expert, with
   * popularity ranks shuffled over the expert ids by {@code seed} (the snapshot's id); exponent 0
   * is uniform.
   */
  public static LoadSnapshot zipf(int experts, double exponent, long seed) {
    double[] load = new double[experts];
    for (int i = 0; i < experts; i++) {
      load[i] = 1_000_000.0 / Math.pow(i + 1, exponent);
    }
    Random rnd = new Random(seed);
    for (int i = experts - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      double t = load[i];
      load[i] = load[j];
      load[j] = t;
    }
    return new LoadSnapshot(seed, load);
  }

  public double load(int expert) {
    return tokensPerExpert[expert];
  }

  @Override
  public double[] tokensPerExpert() {
    return tokensPerExpert.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoadSnapshot s
        && s.id == id
        && Arrays.equals(s.tokensPerExpert, tokensPerExpert);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Arrays.hashCode(tokensPerExpert);
  }
}
