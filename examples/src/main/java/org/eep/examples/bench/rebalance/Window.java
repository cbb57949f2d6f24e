package org.eep.examples.bench.rebalance;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.placement.rebalance.RebalancePlanner;

/**
 * What one measured window of load saw, from the ranks' counters at its start and end: each serving
 * rank's expert rows (its share of the expert load) and its expert and dense time per step, the
 * critical path (max over ranks of expert plus dense time per step: what one accelerator per rank
 * would see), tokens/s, and per layer the max / mean rank load the routed-token windows and the
 * placement give.
 */
record Window(
    double seconds,
    double tokensPerS,
    double stepMs,
    long[] rankLoad,
    double imbalance,
    double expertTimeImbalance,
    double criticalPathMs,
    double maxDenseMs,
    double maxExpertMs,
    List<Double> perLayerImbalance) {

  static Window of(List<RankSample> a, List<RankSample> b, long tokens, double seconds) {
    int n = b.size();
    long[] load = new long[n];
    double[] expert = new double[n];
    double critical = 0;
    double maxDense = 0;
    double maxExpert = 0;
    BitSet active = new BitSet();
    long steps = 0;
    for (int r = 0; r < n; r++) {
      RankSample x = a.get(r);
      RankSample y = b.get(r);
      if (!y.serving() || !x.serving()) {
        continue;
      }
      active.set(r);
      long s = Math.max(1, y.steps() - x.steps());
      steps = Math.max(steps, s);
      load[r] = y.expertRows() - x.expertRows();
      expert[r] = (y.expertNanos() - x.expertNanos()) / 1e6 / s;
      double dense = (y.denseNanos() - x.denseNanos()) / 1e6 / s;
      critical = Math.max(critical, expert[r] + dense);
      maxDense = Math.max(maxDense, dense);
      maxExpert = Math.max(maxExpert, expert[r]);
    }
    double[] loads = new double[n];
    for (int r = 0; r < n; r++) {
      loads[r] = load[r];
    }
    return new Window(
        seconds,
        tokens / seconds,
        seconds * 1000 / Math.max(1, steps),
        load,
        RebalancePlanner.maxOverMean(loads, active),
        RebalancePlanner.maxOverMean(expert, active),
        critical,
        maxDense,
        maxExpert,
        perLayer(b, active));
  }

  /** Per layer: max / mean rank load for the summed routed tokens on the placement in force. */
  private static List<Double> perLayer(List<RankSample> b, BitSet active) {
    RankSample first = b.get(active.nextSetBit(0));
    int layers = first.routedLoad().length;
    List<Double> out = new ArrayList<>();
    if (layers == 0 || first.placement().length == 0) {
      return out;
    }
    int experts = first.routedLoad()[0].length;
    int ranks = b.size();
    ExpertPlacement p =
        new ExpertPlacement(ranks, first.placement().length / ranks, experts, first.placement());
    LayerMap map =
        first.layerMap().length == layers
            ? new LayerMap(first.layerMap())
            : LayerMap.identity(layers, experts);
    for (int l = 0; l < layers; l++) {
      double[] columns = new double[experts];
      for (int r = active.nextSetBit(0); r >= 0; r = active.nextSetBit(r + 1)) {
        long[][] routed = b.get(r).routedLoad();
        for (int c = 0; c < experts; c++) {
          columns[c] += routed[l][map.logicalOf(l, c)];
        }
      }
      out.add(RebalancePlanner.imbalance(p, active, columns));
    }
    return out;
  }
}
