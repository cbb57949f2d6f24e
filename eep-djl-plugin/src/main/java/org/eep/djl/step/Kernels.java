package org.eep.djl.step;

import ai.djl.ndarray.NDArray;

/** Small numerical kernels the step shares, in the same form as the reference's. Stateless. */
final class Kernels {
  private Kernels() {}

  /** RMSNorm over the last axis. */
  static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray var = x.square().mean(new int[] {-1}, true);
    return x.div(var.add(eps).sqrt()).mul(weight);
  }

  /** SiLU-gated product {@code silu(gate) * up}. */
  static NDArray swiglu(NDArray gate, NDArray up) {
    return gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up);
  }
}
