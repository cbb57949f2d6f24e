package org.eep.djl.model;

import static java.util.Objects.requireNonNull;

/**
 * How generated tokens compare with the reference model's (the oracle): {@link Verdict#EXACT}
 * equal; {@link Verdict#NEAR_TIE} equal up to a first difference where the reference itself was at
 * a near-tie, its best and the produced token's logits within {@link #TIE_TOLERANCE} (batched
 * kernels add in another order and may break such a tie the other way; the tokens after it are then
 * another, equally valid, continuation and are not compared); else {@link Verdict#MISMATCH}. Near
 * ties are counted and reported by the tests and the demo, never hidden. Immutable.
 *
 * @param verdict the outcome
 * @param firstDifference the index of the first differing token, or -1 when exact
 * @param margin at that index, the reference's best logit minus its logit of the produced token
 */
public record ReferenceCheck(Verdict verdict, int firstDifference, double margin) {
  /** The largest logit gap a difference may sit at to count as a near tie. */
  public static final double TIE_TOLERANCE = 1e-4;

  /** The outcome of a comparison. */
  public enum Verdict {
    EXACT,
    NEAR_TIE,
    MISMATCH
  }

  public ReferenceCheck {
    requireNonNull(verdict, "verdict is null");
  }

  /**
   * Compares {@code produced} with the reference's {@code expected} generation of the same request.
   */
  public static ReferenceCheck of(ReferenceModel.Result expected, int[] produced) {
    int[] want = expected.tokens();
    if (want.length != produced.length) {
      return new ReferenceCheck(
          Verdict.MISMATCH, Math.min(want.length, produced.length), Double.NaN);
    }
    for (int i = 0; i < want.length; i++) {
      if (want[i] != produced[i]) {
        float[] logits = expected.logits()[i];
        double margin = logits[want[i]] - logits[produced[i]];
        return new ReferenceCheck(
            margin <= TIE_TOLERANCE ? Verdict.NEAR_TIE : Verdict.MISMATCH, i, margin);
      }
    }
    return new ReferenceCheck(Verdict.EXACT, -1, 0);
  }

  /** True unless a mismatch. */
  public boolean acceptable() {
    return verdict != Verdict.MISMATCH;
  }
}
