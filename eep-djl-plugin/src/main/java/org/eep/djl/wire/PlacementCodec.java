package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.eep.api.placement.ExpertPlacement;

/**
 * The placement a joining rank learns from the lowest active rank (a CONTROL message): {@code
 * slots:int32, then the logical expert of each physical slot:int32[slots]} (-1 for an empty slot),
 * little-endian. Stateless.
 */
public final class PlacementCodec {
  /** The CONTROL tag of a placement message. */
  public static final int TAG = 1;

  private PlacementCodec() {}

  public static ByteBuffer encode(ExpertPlacement placement) {
    int[] map = placement.physicalToLogical();
    ByteBuffer buf =
        ByteBuffer.allocate(Integer.BYTES * (1 + map.length))
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(map.length);
    for (int e : map) {
      buf.putInt(e);
    }
    return buf.flip();
  }

  /**
   * The placement of {@code maxRanks × slotsPerRank} slots over {@code logicalExperts} in {@code
   * payload}.
   */
  public static ExpertPlacement decode(
      ByteBuffer payload, int maxRanks, int slotsPerRank, int logicalExperts) {
    ByteBuffer p = payload.order(ByteOrder.LITTLE_ENDIAN);
    int[] map = new int[p.getInt()];
    for (int i = 0; i < map.length; i++) {
      map[i] = p.getInt();
    }
    return new ExpertPlacement(maxRanks, slotsPerRank, logicalExperts, map);
  }
}
