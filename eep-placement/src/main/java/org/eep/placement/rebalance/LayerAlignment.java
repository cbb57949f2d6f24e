package org.eep.placement.rebalance;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;

/**
 * Expert columns across layers: which logical expert each column should be in each layer so that
 * balancing the columns balances every layer, and the loads columns carry. Pure and stateless.
 */
final class LayerAlignment {
  /** How many times a layer's mean load makes an expert heavy enough to align across layers. */
  static final double HEAVY = 1.5;

  private LayerAlignment() {}

  /**
   * Step 1: in every layer, the experts at least {@link #HEAVY} times the layer's mean load move,
   * heaviest first, to the columns with the most summed load, one each, by swapping columns with
   * the expert there; the other experts stay in their columns.
   */
  static LayerMap alignedMap(LayerMap map, double[][] load) {
    int experts = map.experts();
    double[] sums = columnSums(map, load);
    Integer[] columns = new Integer[experts];
    for (int c = 0; c < experts; c++) {
      columns[c] = c;
    }
    Arrays.sort(
        columns, Comparator.<Integer>comparingDouble(c -> -sums[c]).thenComparingInt(c -> c));
    int[][] out = map.toArray();
    int[][] columnOfAll = map.columnsArray();
    for (int l = 0; l < map.layers(); l++) {
      double[] row = load[l];
      double mean = Arrays.stream(row).average().orElse(0);
      Integer[] byLoad = new Integer[experts];
      for (int e = 0; e < experts; e++) {
        byLoad[e] = e;
      }
      Arrays.sort(
          byLoad, Comparator.<Integer>comparingDouble(e -> -row[e]).thenComparingInt(e -> e));
      int[] columnOf = columnOfAll[l];
      for (int k = 0; k < experts && row[byLoad[k]] >= HEAVY * mean && mean > 0; k++) {
        int e = byLoad[k];
        int to = columns[k];
        int from = columnOf[e];
        if (from != to) {
          int displaced = out[l][to];
          out[l][to] = e;
          out[l][from] = displaced;
          columnOf[e] = to;
          columnOf[displaced] = from;
        }
      }
    }
    return new LayerMap(out);
  }

  /** Each column's load summed over the layers, under {@code map}. */
  static double[] columnSums(LayerMap map, double[][] load) {
    double[] sums = new double[map.experts()];
    for (int l = 0; l < map.layers(); l++) {
      for (int c = 0; c < sums.length; c++) {
        sums[c] += load[l][map.logicalOf(l, c)];
      }
    }
    return sums;
  }

  /** The largest per-layer max / mean rank load. */
  static double worstLayer(
      ExpertPlacement placement, LayerMap map, BitSet active, double[][] load) {
    double worst = 1.0;
    for (int l = 0; l < map.layers(); l++) {
      double[] column = new double[map.experts()];
      for (int c = 0; c < column.length; c++) {
        column[c] = load[l][map.logicalOf(l, c)];
      }
      worst = Math.max(worst, RebalancePlanner.imbalance(placement, active, column));
    }
    return worst;
  }
}
