package org.eep.api.placement;

import java.util.Arrays;

/**
 * Which logical expert each expert <em>column</em> is in each layer. An {@link ExpertPlacement}
 * places columns on physical slots (a slot holds one column in every layer); this map lets a slot
 * hold different logical experts in different layers, so that a placement balances every layer, not
 * only their sum. The identity (column e is expert e in every layer) until a rebalance changes it.
 * Immutable; equal maps compare equal.
 */
public final class LayerMap {
  private final int[][] logicalOf;
  private final int[][] columnOf;

  /**
   * {@code logicalOf[layer][column]}: the logical expert of each column in each layer (each row a
   * permutation of {@code 0..experts-1}).
   */
  public LayerMap(int[][] logicalOf) {
    if (logicalOf.length == 0 || logicalOf[0].length == 0) {
      throw new IllegalArgumentException("a layer map needs at least one layer and one expert");
    }
    int experts = logicalOf[0].length;
    this.logicalOf = new int[logicalOf.length][];
    this.columnOf = new int[logicalOf.length][experts];
    for (int l = 0; l < logicalOf.length; l++) {
      if (logicalOf[l].length != experts) {
        throw new IllegalArgumentException(
            "layer " + l + " maps " + logicalOf[l].length + " columns, expected " + experts);
      }
      this.logicalOf[l] = logicalOf[l].clone();
      Arrays.fill(columnOf[l], -1);
      for (int c = 0; c < experts; c++) {
        int e = logicalOf[l][c];
        if (e < 0 || e >= experts || columnOf[l][e] >= 0) {
          throw new IllegalArgumentException(
              "layer " + l + " is not a permutation of 0.." + (experts - 1) + " at column " + c);
        }
        columnOf[l][e] = c;
      }
    }
  }

  /** Column e is logical expert e in every layer. */
  public static LayerMap identity(int layers, int experts) {
    int[][] m = new int[layers][experts];
    for (int[] row : m) {
      Arrays.setAll(row, i -> i);
    }
    return new LayerMap(m);
  }

  public int layers() {
    return logicalOf.length;
  }

  public int experts() {
    return logicalOf[0].length;
  }

  /** The logical expert column {@code column} is in {@code layer}. */
  public int logicalOf(int layer, int column) {
    return logicalOf[layer][column];
  }

  /** The column that is logical expert {@code expert} in {@code layer}. */
  public int columnOf(int layer, int expert) {
    return columnOf[layer][expert];
  }

  /** {@code [layer][column]} → logical expert, copied. */
  public int[][] toArray() {
    int[][] out = new int[logicalOf.length][];
    for (int l = 0; l < out.length; l++) {
      out[l] = logicalOf[l].clone();
    }
    return out;
  }

  /** {@code [layer][logical expert]} → column, copied. */
  public int[][] columnsArray() {
    int[][] out = new int[columnOf.length][];
    for (int l = 0; l < out.length; l++) {
      out[l] = columnOf[l].clone();
    }
    return out;
  }

  /** The logical experts that columns {@code columns} are in some layer, ascending. */
  public int[] logicalOfAny(int[] columns) {
    boolean[] hit = new boolean[experts()];
    for (int c : columns) {
      for (int[] row : logicalOf) {
        hit[row[c]] = true;
      }
    }
    int n = 0;
    for (boolean h : hit) {
      n += h ? 1 : 0;
    }
    int[] out = new int[n];
    for (int e = 0, k = 0; e < hit.length; e++) {
      if (hit[e]) {
        out[k++] = e;
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerMap m && Arrays.deepEquals(m.logicalOf, logicalOf);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(logicalOf);
  }

  @Override
  public String toString() {
    return "LayerMap" + Arrays.deepToString(logicalOf);
  }
}
