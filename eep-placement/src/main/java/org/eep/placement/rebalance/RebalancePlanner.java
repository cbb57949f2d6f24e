package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementRequest;

/**
 * Plans a live rebalance: the placement policy's answer for the active ranks and a load snapshot,
 * laid onto the current slots so that as few as possible change.
 *
 * <ol>
 *   <li>The policy places the logical experts on the active ranks for the snapshot's loads. Slots
 *       of ranks that are not active keep what they hold (a returning rank gets them back by the
 *       rejoin plan, as after any failure).
 *   <li>On each active rank, a slot whose current expert is in the rank's new set keeps it (lowest
 *       slot first when an expert repeats); the rank's other new experts fill its remaining slots
 *       in ascending expert order, lowest slot first. A slot the policy left empty keeps its
 *       expert.
 *   <li>Moves are accepted in passes, heaviest new expert first (ties: lower physical slot), while
 *       their bytes fit {@code budgetBytes}: a move that would leave some expert without an active
 *       replica, given the moves accepted so far, waits for a later pass (another move may add a
 *       replica first); passes end when one accepts nothing or the budget is spent. Coverage never
 *       shrinks.
 *   <li>If the result's predicted imbalance is not at least {@code minGain} below the current one,
 *       the plan has no moves.
 * </ol>
 *
 * A rank's predicted load is the sum over its slots of the snapshot's load of the slot's expert
 * divided by that expert's active replicas (tokens spread evenly over replicas). Pure and
 * deterministic: every rank computes the same plan from the same inputs. Thread-safe.
 */
public final class RebalancePlanner {
  private final PlacementPolicy policy;
  private final double minGain;

  /**
   * {@code minGain}: how much the imbalance (max / mean) must drop for a rebalance to move weights
   * (for example 0.02).
   */
  public RebalancePlanner(PlacementPolicy policy, double minGain) {
    this.policy = requireNonNull(policy, "policy is null");
    if (!(minGain >= 0)) {
      throw new IllegalArgumentException("minGain must be >= 0, got " + minGain);
    }
    this.minGain = minGain;
  }

  /**
   * The rebalance of {@code current} on the {@code active} ranks for {@code load}, moving at most
   * {@code budgetBytes} of weights ({@code bytesPerExpert} per moved slot, all layers).
   */
  public RebalancePlan plan(
      ExpertPlacement current,
      BitSet active,
      LoadSnapshot load,
      long seed,
      long bytesPerExpert,
      long budgetBytes) {
    requireNonNull(current, "current is null");
    requireNonNull(active, "active is null");
    requireNonNull(load, "load is null");
    int spr = current.slotsPerRank();
    double[] tokens = load.tokensPerExpert();
    double before = imbalance(current, active, tokens);
    ExpertPlacement target =
        policy.place(
            new PlacementRequest(
                current.logicalExperts(), current.maxRanks(), spr, active, load, seed));
    int[] next = current.physicalToLogical();
    for (int r = active.nextSetBit(0); r >= 0; r = active.nextSetBit(r + 1)) {
      align(current, target, r, next);
    }
    int[] slots = current.physicalToLogical();
    List<SlotMove> moves = new ArrayList<>();
    long spent = 0;
    List<Integer> candidates = new ArrayList<>();
    for (int p = 0; p < next.length; p++) {
      if (next[p] != slots[p]) {
        candidates.add(p);
      }
    }
    candidates.sort(
        Comparator.<Integer>comparingDouble(p -> -tokens[next[p]]).thenComparingInt(p -> p));
    boolean progress = true;
    while (progress && spent + bytesPerExpert <= budgetBytes) {
      progress = false;
      for (int p : candidates) {
        if (next[p] == slots[p] || spent + bytesPerExpert > budgetBytes) {
          continue;
        }
        int was = slots[p];
        slots[p] = next[p];
        if (was >= 0 && activeReplicas(slots, spr, active, was) == 0) {
          slots[p] = was; // the only active copy of `was` until another move adds one
          continue;
        }
        spent += bytesPerExpert;
        moves.add(new SlotMove(p, p / spr, was, next[p]));
        progress = true;
      }
    }
    moves.sort(Comparator.comparingInt(SlotMove::physicalSlot));
    ExpertPlacement after =
        new ExpertPlacement(current.maxRanks(), spr, current.logicalExperts(), slots);
    double predicted = imbalance(after, active, tokens);
    if (moves.isEmpty() || predicted > before - minGain) {
      return new RebalancePlan(load.id(), current, current, List.of(), before, before);
    }
    return new RebalancePlan(load.id(), current, after, moves, before, predicted);
  }

  /** Writes rank {@code r}'s slots of {@code target} into {@code next}, keeping what stays. */
  private static void align(ExpertPlacement current, ExpertPlacement target, int r, int[] next) {
    int spr = current.slotsPerRank();
    List<Integer> wanted = new ArrayList<>();
    for (int e : target.expertsOn(r)) {
      if (e >= 0) {
        wanted.add(e);
      }
    }
    wanted.sort(null);
    boolean[] kept = new boolean[spr];
    for (int s = 0; s < spr; s++) {
      int e = current.logicalOf(r * spr + s);
      if (e >= 0 && wanted.remove(Integer.valueOf(e))) {
        kept[s] = true;
      }
    }
    for (int s = 0; s < spr && !wanted.isEmpty(); s++) {
      if (!kept[s]) {
        next[r * spr + s] = wanted.remove(0);
      }
    }
  }

  private static int activeReplicas(int[] slots, int spr, BitSet active, int expert) {
    int n = 0;
    for (int p = 0; p < slots.length; p++) {
      if (slots[p] == expert && active.get(p / spr)) {
        n++;
      }
    }
    return n;
  }

  /** Each active rank's predicted token load under {@code placement} (0 for the others). */
  public static double[] rankLoads(ExpertPlacement placement, BitSet active, double[] tokens) {
    int spr = placement.slotsPerRank();
    double[] rankLoad = new double[placement.maxRanks()];
    for (int e = 0; e < placement.logicalExperts(); e++) {
      int n = 0;
      for (int p : placement.replicas(e)) {
        n += active.get(p / spr) ? 1 : 0;
      }
      for (int p : placement.replicas(e)) {
        if (active.get(p / spr)) {
          rankLoad[p / spr] += tokens[e] / n;
        }
      }
    }
    return rankLoad;
  }

  /** Max over mean of the active ranks' predicted loads (1 when there is no load). */
  public static double imbalance(ExpertPlacement placement, BitSet active, double[] tokens) {
    double[] loads = rankLoads(placement, active, tokens);
    return maxOverMean(loads, active);
  }

  /** Max over mean of {@code loads} over the {@code active} ranks (1 when all are 0). */
  public static double maxOverMean(double[] loads, BitSet active) {
    double max = 0;
    double sum = 0;
    int n = 0;
    for (int r = active.nextSetBit(0); r >= 0 && r < loads.length; r = active.nextSetBit(r + 1)) {
      max = Math.max(max, loads[r]);
      sum += loads[r];
      n++;
    }
    return sum <= 0 ? 1.0 : max / (sum / n);
  }
}
