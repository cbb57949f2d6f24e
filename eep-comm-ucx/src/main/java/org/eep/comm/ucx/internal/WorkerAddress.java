package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A rank's packed UCP worker address ({@code ucp_worker_get_address}), as peers need it to open an
 * endpoint.
 */
record WorkerAddress(int rank, byte[] bytes) {
  WorkerAddress {
    requireNonNull(bytes, "bytes is null");
    if (bytes.length == 0) {
      throw new IllegalArgumentException("empty worker address");
    }
    bytes = bytes.clone();
  }

  static WorkerAddress of(int rank, ByteBuffer packed) {
    byte[] b = new byte[packed.remaining()];
    packed.duplicate().get(b);
    return new WorkerAddress(rank, b);
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * A fresh direct buffer holding the address from position 0, as JUCX passes it to {@code
   * ucp_ep_create}.
   */
  ByteBuffer direct() {
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkerAddress w && w.rank == rank && Arrays.equals(w.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return rank * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "WorkerAddress[rank=" + rank + ", " + bytes.length + " bytes]";
  }
}
