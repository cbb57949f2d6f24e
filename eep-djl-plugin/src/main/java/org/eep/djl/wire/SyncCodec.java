package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The SYNC payload: the step a rank would run next ({@code int64}, little-endian; -1 before its
 * first step). Stateless.
 */
public final class SyncCodec {
  private SyncCodec() {}

  public static ByteBuffer encode(long nextStep) {
    return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, nextStep);
  }

  public static long decode(ByteBuffer payload) {
    return payload.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }
}
