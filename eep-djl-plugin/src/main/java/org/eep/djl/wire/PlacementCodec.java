package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;

/**
 * The placement a joining rank learns from the lowest active rank (a CONTROL message): {@code
 * slots:int32, the column of each physical slot:int32[slots]} (-1 for an empty slot), then {@code
 * layers:int32, experts:int32, the logical expert of each column in each layer:int32[layers ×
 * experts]}, little-endian. Stateless.
 */
public final class PlacementCodec {
  /** The CONTROL tag of a placement message. */
  public static final int TAG = 1;

  private PlacementCodec() {}

  /** A decoded placement message. */
  public record Decoded(ExpertPlacement placement, LayerMap layers) {}

  public static ByteBuffer encode(ExpertPlacement placement, LayerMap layers) {
    int[] map = placement.physicalToLogical();
    int[][] columns = layers.toArray();
    ByteBuffer buf =
        ByteBuffer.allocate(Integer.BYTES * (3 + map.length + layers.layers() * layers.experts()))
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(map.length);
    for (int e : map) {
      buf.putInt(e);
    }
    buf.putInt(layers.layers()).putInt(layers.experts());
    for (int[] row : columns) {
      for (int e : row) {
        buf.putInt(e);
      }
    }
    return buf.flip();
  }

  /**
   * The placement of {@code maxRanks × slotsPerRank} slots over {@code logicalExperts} and its
   * layer map in {@code payload}.
   *
   * @throws IllegalArgumentException if the payload does not describe such a placement
   */
  public static Decoded decode(
      ByteBuffer payload, int maxRanks, int slotsPerRank, int logicalExperts) {
    ByteBuffer p = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int[] map = new int[p.getInt()];
    for (int i = 0; i < map.length; i++) {
      map[i] = p.getInt();
    }
    int layers = p.getInt();
    int experts = p.getInt();
    if (experts != logicalExperts
        || layers <= 0
        || p.remaining() != Integer.BYTES * layers * experts) {
      throw new IllegalArgumentException(
          "placement message with a layer map of " + layers + " x " + experts + " experts");
    }
    int[][] columns = new int[layers][experts];
    for (int[] row : columns) {
      for (int c = 0; c < experts; c++) {
        row[c] = p.getInt();
      }
    }
    return new Decoded(
        new ExpertPlacement(maxRanks, slotsPerRank, logicalExperts, map), new LayerMap(columns));
  }
}
