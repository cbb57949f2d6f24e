package org.eep.placement.balanced;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.TreeSet;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementRequest;

/**
 * EPLB-style placement ({@code eep_placement=balanced}).
 *
 * <ol>
 *   <li><b>Replicate.</b> Every logical expert gets one replica; each remaining usable slot gives
 *       one more replica to the expert with the largest load per replica ({@code load / replicas};
 *       ties: fewer replicas, then lower expert id). An expert gets at most one replica per usable
 *       rank; slots left over once every expert is on every usable rank stay empty.
 *   <li><b>Pack.</b> Replicas, heaviest ({@code load / replicas}) first (ties: lower expert id),
 *       each go to the usable rank with the smallest load so far that has a free slot and does not
 *       hold that expert yet (ties: fewer used slots, then lower rank). If every rank with a free
 *       slot already holds the expert, a replica of another expert is moved off a full rank to make
 *       room (a swap); only if no swap exists do two replicas share a rank.
 *   <li><b>Refine.</b> While some exchange of two replicas between the most loaded rank (ties:
 *       lower rank) and another rank lowers the larger of the two ranks' loads below the most
 *       loaded rank's, the exchange that lowers it most is made (ties: lower other rank, then lower
 *       slots); an exchange never puts two replicas of one expert on a rank. At most {@code 4 ×
 *       slots} exchanges.
 * </ol>
 *
 * Slots of unusable ranks hold -1; inside a rank, experts are in ascending id order and empty slots
 * last. The result depends only on the {@link PlacementRequest} (the seed is not needed: every tie
 * is broken by expert or rank id). Stateless and thread-safe.
 */
public final class BalancedPlacementPolicy implements PlacementPolicy {

  @Override
  public ExpertPlacement place(PlacementRequest request) {
    requireNonNull(request, "request is null");
    int logical = request.logicalExperts();
    int maxRanks = request.maxRanks();
    int spr = request.slotsPerRank();
    if (logical <= 0 || maxRanks <= 0 || spr <= 0) {
      throw new IllegalArgumentException("logicalExperts, maxRanks and slotsPerRank must be > 0");
    }
    int[] ranks = request.usableRanks().stream().toArray();
    long usableSlots = (long) ranks.length * spr;
    if (usableSlots < logical) {
      throw new IllegalArgumentException(
          "cannot place "
              + logical
              + " logical experts on "
              + usableSlots
              + " usable slots ("
              + ranks.length
              + " usable ranks x "
              + spr
              + " slots per rank): at least "
              + (logical - usableSlots)
              + " more slots are needed (more ranks or more redundant experts)");
    }
    double[] load = request.load().tokensPerExpert();
    int[] replicas = replicaCounts(load, (int) usableSlots, ranks.length);
    int[][] assignment = pack(load, replicas, ranks.length, spr);

    int[] physical = new int[maxRanks * spr];
    Arrays.fill(physical, -1);
    for (int i = 0; i < ranks.length; i++) {
      System.arraycopy(assignment[i], 0, physical, ranks[i] * spr, spr);
    }
    return new ExpertPlacement(maxRanks, spr, logical, physical);
  }

  /** Step 1: how many replicas each expert gets. */
  static int[] replicaCounts(double[] load, int usableSlots, int usableRanks) {
    int logical = load.length;
    int[] replicas = new int[logical];
    Arrays.fill(replicas, 1);
    int extra = usableSlots - logical;
    if (extra <= 0 || usableRanks <= 1) {
      return replicas;
    }
    Comparator<Integer> heaviestPerReplica =
        (a, b) -> {
          int c = Double.compare(load[b] / replicas[b], load[a] / replicas[a]);
          if (c != 0) {
            return c;
          }
          c = Integer.compare(replicas[a], replicas[b]);
          return c != 0 ? c : Integer.compare(a, b);
        };
    PriorityQueue<Integer> queue = new PriorityQueue<>(logical, heaviestPerReplica);
    for (int e = 0; e < logical; e++) {
      queue.add(e);
    }
    while (extra > 0 && !queue.isEmpty()) {
      int e = queue.poll();
      replicas[e]++;
      extra--;
      if (replicas[e] < usableRanks) {
        queue.add(e);
      }
    }
    return replicas;
  }

  /** Step 2: replicas onto ranks; returns per usable-rank index its slots (sorted, -1 last). */
  static int[][] pack(double[] load, int[] replicas, int rankCount, int spr) {
    int logical = load.length;
    int total = Arrays.stream(replicas).sum();
    int[] itemExpert = new int[total];
    double[] itemWeight = new double[total];
    Integer[] order = new Integer[total];
    for (int e = 0, k = 0; e < logical; e++) {
      for (int r = 0; r < replicas[e]; r++, k++) {
        itemExpert[k] = e;
        itemWeight[k] = load[e] / replicas[e];
        order[k] = k;
      }
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(itemWeight[b], itemWeight[a]);
          return c != 0
              ? c
              : Integer.compare(a, b); // items of one expert are consecutive, by expert id
        });

    double[] rankLoad = new double[rankCount];
    int[] used = new int[rankCount];
    int[][] slots = new int[rankCount][spr];
    double[][] slotWeight = new double[rankCount][spr];
    BitSet[] holders = new BitSet[logical];
    for (int e = 0; e < logical; e++) {
      holders[e] = new BitSet(rankCount);
    }
    Comparator<Integer> leastLoaded =
        (a, b) -> {
          int c = Double.compare(rankLoad[a], rankLoad[b]);
          if (c != 0) {
            return c;
          }
          c = Integer.compare(used[a], used[b]);
          return c != 0 ? c : Integer.compare(a, b);
        };
    TreeSet<Integer> open = new TreeSet<>(leastLoaded);
    for (int i = 0; i < rankCount; i++) {
      open.add(i);
    }

    for (int k : order) {
      int e = itemExpert[k];
      double w = itemWeight[k];
      Integer target = null;
      for (Integer i : open) {
        if (!holders[e].get(i)) {
          target = i;
          break;
        }
      }
      if (target == null && !open.isEmpty()) {
        // Every rank with a free slot holds e already: try to free a spot on a full rank.
        if (swapIn(e, w, open.first(), open, rankLoad, used, slots, slotWeight, holders, spr)) {
          continue;
        }
        target = open.first(); // unavoidable: two replicas of e on one rank
      }
      if (target == null) {
        throw new IllegalStateException(
            "more replicas than usable slots"); // replicaCounts prevents this
      }
      open.remove(target);
      slots[target][used[target]] = e;
      slotWeight[target][used[target]] = w;
      used[target]++;
      rankLoad[target] += w;
      holders[e].set(target);
      if (used[target] < spr) {
        open.add(target);
      }
    }

    refine(slots, slotWeight, used, rankLoad, holders);
    for (int i = 0; i < rankCount; i++) {
      int[] s = Arrays.copyOf(slots[i], used[i]);
      Arrays.sort(s);
      int[] full = new int[spr];
      Arrays.fill(full, -1);
      System.arraycopy(s, 0, full, 0, s.length);
      slots[i] = full;
    }
    return slots;
  }

  /** Step 3: exchanges replicas with the most loaded rank while that lowers the peak. */
  private static void refine(
      int[][] slots, double[][] slotWeight, int[] used, double[] rankLoad, BitSet[] holders) {
    int ranks = rankLoad.length;
    int budget = 4 * Arrays.stream(used).sum();
    for (int round = 0; round < budget; round++) {
      int a = 0;
      for (int r = 1; r < ranks; r++) {
        if (rankLoad[r] > rankLoad[a]) {
          a = r;
        }
      }
      double peak = rankLoad[a];
      double best = peak - 1e-9 * Math.max(1, peak);
      int bestB = -1;
      int bestI = -1;
      int bestJ = -1;
      for (int b = 0; b < ranks; b++) {
        if (b == a) {
          continue;
        }
        for (int i = 0; i < used[a]; i++) {
          int ea = slots[a][i];
          if (holders[ea].get(b)) {
            continue;
          }
          for (int j = 0; j < used[b]; j++) {
            int eb = slots[b][j];
            if (eb == ea || holders[eb].get(a)) {
              continue;
            }
            double d = slotWeight[a][i] - slotWeight[b][j];
            double after = Math.max(rankLoad[a] - d, rankLoad[b] + d);
            if (d > 0 && after < best) {
              best = after;
              bestB = b;
              bestI = i;
              bestJ = j;
            }
          }
        }
      }
      if (bestB < 0) {
        return;
      }
      int b = bestB;
      int ea = slots[a][bestI];
      int eb = slots[b][bestJ];
      double wa = slotWeight[a][bestI];
      double wb = slotWeight[b][bestJ];
      slots[a][bestI] = eb;
      slotWeight[a][bestI] = wb;
      slots[b][bestJ] = ea;
      slotWeight[b][bestJ] = wa;
      rankLoad[a] += wb - wa;
      rankLoad[b] += wa - wb;
      holders[ea].clear(a);
      holders[ea].set(b);
      holders[eb].clear(b);
      holders[eb].set(a);
    }
  }

  /**
   * Places expert {@code e} (weight {@code w}) on a full rank {@code s} that does not hold it, by
   * moving one of {@code s}'s replicas (expert {@code f}, not held by {@code r}) to the open rank
   * {@code r}. Picks the swap that leaves the larger of the two ranks' loads smallest (ties: lower
   * rank, lower slot). Returns false if no such swap exists.
   */
  private static boolean swapIn(
      int e,
      double w,
      int r,
      TreeSet<Integer> open,
      double[] rankLoad,
      int[] used,
      int[][] slots,
      double[][] slotWeight,
      BitSet[] holders,
      int spr) {
    int bestRank = -1;
    int bestSlot = -1;
    double bestPeak = Double.POSITIVE_INFINITY;
    for (int s = 0; s < rankLoad.length; s++) {
      if (s == r || used[s] < spr || holders[e].get(s)) {
        continue;
      }
      for (int j = 0; j < used[s]; j++) {
        int f = slots[s][j];
        if (f == e || holders[f].get(r)) {
          continue;
        }
        double peak = Math.max(rankLoad[s] - slotWeight[s][j] + w, rankLoad[r] + slotWeight[s][j]);
        if (peak < bestPeak) {
          bestPeak = peak;
          bestRank = s;
          bestSlot = j;
        }
      }
    }
    if (bestRank < 0) {
      return false;
    }
    int s = bestRank;
    int f = slots[s][bestSlot];
    double wf = slotWeight[s][bestSlot];
    // s: f -> e (s stays full, so it is not in the open set)
    slots[s][bestSlot] = e;
    slotWeight[s][bestSlot] = w;
    rankLoad[s] += w - wf;
    holders[f].clear(s);
    holders[e].set(s);
    // r gains f
    open.remove(r);
    slots[r][used[r]] = f;
    slotWeight[r][used[r]] = wf;
    used[r]++;
    rankLoad[r] += wf;
    holders[f].set(r);
    if (used[r] < spr) {
      open.add(r);
    }
    return true;
  }

  @Override
  public String toString() {
    return "BalancedPlacementPolicy";
  }
}
