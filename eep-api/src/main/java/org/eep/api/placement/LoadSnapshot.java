package org.eep.api.placement;

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
    java.util.Arrays.fill(load, 1.0);
    return new LoadSnapshot(0, load);
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
    return o instanceof LoadSnapshot s && s.id == id && java.util.Arrays.equals(s.tokensPerExpert, tokensPerExpert);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + java.util.Arrays.hashCode(tokensPerExpert);
  }
}
