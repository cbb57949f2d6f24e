package org.eep.placement.repair;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eep.api.placement.ExpertPlacement;

/**
 * Deterministic repair planning: which expert goes into which slot, read from which tier, and how
 * long that takes. Every rank computes the same plan from the same inputs.
 *
 * <p><b>Cost model.</b> Loading one expert costs {@code bytesPerExpert / bandwidth} of its source
 * tier ({@link TierBandwidths}; a peer copy may use the pair's own speed, {@link PeerBandwidth}).
 * Loads into one target rank run one after another, different target ranks in parallel, and a peer
 * source rank serves one copy at a time. The plan's {@code estimatedSeconds} is the makespan: when
 * the last load ends.
 *
 * <p><b>Choice.</b> Greedy list scheduling: each load goes where (and from where) it finishes
 * earliest given the loads already planned. Ties, in order: the preferred slot (recovery: an empty
 * slot, then a slot whose expert has the most active replicas), the cheaper tier ({@code PEER <
 * HOST < DISK}), the peer that has served fewest copies, then the lower slot / rank. In recovery,
 * when the fastest target rank's only spare slots hold experts whose other spare replicas earlier
 * orphans already took, those orphans are re-seated into other slots of their own ranks (an
 * augmenting path; timings unchanged) to free one. Stateless and thread-safe.
 */
public final class RepairPlanner {
  private final TierBandwidths bandwidths;
  private final PeerBandwidth peerBandwidth;

  /** Every peer pair copies at {@code bandwidths.peerBytesPerSec()}. */
  public RepairPlanner(TierBandwidths bandwidths) {
    this(
        bandwidths,
        PeerBandwidth.uniform(requireNonNull(bandwidths, "bandwidths is null").peerBytesPerSec()));
  }

  /**
   * Peer copies run at {@code peerBandwidth(source, target)} (e.g. NVLink inside a node, RDMA
   * across nodes); the PEER tier is used at all only if {@code bandwidths.peerBytesPerSec() > 0}.
   */
  public RepairPlanner(TierBandwidths bandwidths, PeerBandwidth peerBandwidth) {
    this.bandwidths = requireNonNull(bandwidths, "bandwidths is null");
    this.peerBandwidth = requireNonNull(peerBandwidth, "peerBandwidth is null");
  }

  public TierBandwidths bandwidths() {
    return bandwidths;
  }

  /**
   * The plan after failures. Orphans are the logical experts with no replica on an active rank.
   * Each orphan goes into a slot of an active rank: an empty slot, or one whose expert keeps at
   * least one other active replica (the last active replica of an expert is never taken),
   * preferring empty slots and then slots whose expert has the most active replicas, subject to
   * finishing the whole repair as early as possible. Orphans with fewer possible target ranks are
   * planned first, then by expert id. An orphan with no free slot or no source lands in {@code
   * missingExperts}. Slots of inactive ranks keep their experts in {@code after} (the runtime masks
   * them).
   */
  public RepairPlan planRecovery(
      ExpertPlacement current, BitSet activeRanks, long bytesPerExpert, SourceCatalog catalog) {
    requireNonNull(current, "current is null");
    requireNonNull(catalog, "catalog is null");
    BitSet active = checkRanks(current, activeRanks, bytesPerExpert);
    int logical = current.logicalExperts();
    int spr = current.slotsPerRank();
    int[] slots = current.physicalToLogical();
    int[] activeReplicas = new int[logical];
    List<List<Integer>> holders = activeHolders(current, active, -1);
    for (int e = 0; e < logical; e++) {
      activeReplicas[e] = current.activeReplicaCount(e, active);
    }
    int[] activeList = active.stream().toArray();

    List<Integer> orphans = new ArrayList<>();
    for (int e = 0; e < logical; e++) {
      if (activeReplicas[e] == 0) {
        orphans.add(e);
      }
    }
    if (orphans.isEmpty()) {
      return new RepairPlan(current, current, List.of(), List.of(), 0);
    }
    // Most constrained first: an orphan that only some ranks can load gets its pick before others.
    int[] feasibleTargets = new int[logical];
    for (int e : orphans) {
      for (int t : activeList) {
        if (hasSource(e, t, holders.get(e), catalog)) {
          feasibleTargets[e]++;
        }
      }
    }
    orphans.sort(
        Comparator.<Integer>comparingInt(e -> feasibleTargets[e]).thenComparingInt(e -> e));

    Schedule schedule = new Schedule(current.maxRanks(), bytesPerExpert);
    Seating seating = new Seating(current.physicalToLogical(), slots, activeReplicas, spr);
    TreeSet<Integer> missing = new TreeSet<>();
    for (int e : orphans) {
      Choice best = null;
      List<Choice> blocked = new ArrayList<>();
      for (int t : activeList) {
        int slot = seating.preferredSlot(t);
        if (slot < 0 && !seating.hasBlockedSlot(t)) {
          continue;
        }
        Source src = schedule.bestSource(e, t, holders.get(e), catalog);
        if (src == null) {
          continue;
        }
        if (slot < 0) {
          blocked.add(new Choice(-1, t, src, 0));
          continue;
        }
        Choice c = new Choice(slot, t, src, slotRank(slots[slot], activeReplicas));
        if (best == null || c.betterThan(best)) {
          best = c;
        }
      }
      // A rank whose only spare slots hold experts whose other replicas were just taken may still
      // be
      // the fastest target: re-seat earlier orphans inside their own ranks to free such a slot.
      blocked.sort(
          Comparator.comparingDouble((Choice c) -> c.source.end())
              .thenComparing(c -> c.source.tier)
              .thenComparingInt(c -> c.target));
      for (Choice c : blocked) {
        if (best != null && c.source.end() >= best.source.end()) {
          break;
        }
        int slot = seating.freeSlotOn(c.target);
        if (slot >= 0) {
          best = new Choice(slot, c.target, c.source, 0);
          break;
        }
      }
      if (best == null) {
        missing.add(e);
        continue;
      }
      seating.seat(e, best.slot, schedule.commit(e, best.slot, best.target, best.source));
    }
    List<RepairAction> actions = seating.actions();
    ExpertPlacement after = new ExpertPlacement(current.maxRanks(), spr, logical, slots);
    return finish(current, after, actions, missing);
  }

  /**
   * The plan for {@code rank} rejoining into its own slots of {@code current}: every non-empty slot
   * is loaded, from the source that finishes it earliest (a peer among the active ranks that hold
   * the expert, spreading copies over equally fast peers; the host backup; the disk). Experts no
   * source has are in {@code missingExperts}. {@code after} is {@code current}.
   */
  public RepairPlan planRejoin(
      ExpertPlacement current,
      BitSet activeRanks,
      int rank,
      long bytesPerExpert,
      SourceCatalog catalog) {
    requireNonNull(current, "current is null");
    requireNonNull(catalog, "catalog is null");
    BitSet active = checkRanks(current, activeRanks, bytesPerExpert);
    if (rank < 0 || rank >= current.maxRanks()) {
      throw new IllegalArgumentException(
          "rank " + rank + " outside [0, " + current.maxRanks() + ")");
    }
    List<List<Integer>> holders = activeHolders(current, active, rank);
    Schedule schedule = new Schedule(current.maxRanks(), bytesPerExpert);
    List<RepairAction> actions = new ArrayList<>();
    TreeSet<Integer> missing = new TreeSet<>();
    int spr = current.slotsPerRank();
    for (int p = rank * spr; p < (rank + 1) * spr; p++) {
      int e = current.logicalOf(p);
      if (e < 0) {
        continue;
      }
      Source src = schedule.bestSource(e, rank, holders.get(e), catalog);
      if (src == null) {
        missing.add(e);
      } else {
        actions.add(schedule.commit(e, p, rank, src));
      }
    }
    return finish(current, current, actions, missing);
  }

  private static RepairPlan finish(
      ExpertPlacement before,
      ExpertPlacement after,
      List<RepairAction> actions,
      TreeSet<Integer> missing) {
    actions.sort(
        Comparator.comparingDouble(RepairAction::startSeconds)
            .thenComparingInt(RepairAction::targetRank)
            .thenComparingInt(RepairAction::physicalSlot));
    double makespan = actions.stream().mapToDouble(RepairAction::endSeconds).max().orElse(0);
    return new RepairPlan(before, after, actions, new ArrayList<>(missing), makespan);
  }

  private static BitSet checkRanks(
      ExpertPlacement current, BitSet activeRanks, long bytesPerExpert) {
    requireNonNull(activeRanks, "activeRanks is null");
    if (activeRanks.length() > current.maxRanks()) {
      throw new IllegalArgumentException(
          "active rank " + (activeRanks.length() - 1) + " outside [0, " + current.maxRanks() + ")");
    }
    if (bytesPerExpert < 0) {
      throw new IllegalArgumentException("bytesPerExpert must be >= 0, got " + bytesPerExpert);
    }
    return (BitSet) activeRanks.clone();
  }

  /**
   * Per expert, the active ranks (ascending, each once) that hold it, leaving out {@code exclude}.
   */
  private static List<List<Integer>> activeHolders(
      ExpertPlacement current, BitSet active, int exclude) {
    List<List<Integer>> holders = new ArrayList<>(current.logicalExperts());
    for (int e = 0; e < current.logicalExperts(); e++) {
      List<Integer> ranks = new ArrayList<>();
      for (int p : current.replicas(e)) {
        int r = current.rankOf(p);
        if (r != exclude
            && active.get(r)
            && (ranks.isEmpty() || ranks.get(ranks.size() - 1) != r)) {
          ranks.add(r);
        }
      }
      holders.add(ranks);
    }
    return holders;
  }

  /**
   * Higher is better: an empty slot beats any occupied one, then more active replicas of its
   * expert.
   */
  private static int slotRank(int expert, int[] activeReplicas) {
    return expert < 0 ? Integer.MAX_VALUE : activeReplicas[expert];
  }

  private boolean hasSource(int e, int t, List<Integer> peers, SourceCatalog catalog) {
    if (bandwidths.has(Tier.PEER)) {
      for (int s : peers) {
        if (s != t && peerBandwidth.bytesPerSec(s, t) > 0) {
          return true;
        }
      }
    }
    return bandwidths.has(Tier.HOST) && catalog.hostHas(t, e)
        || bandwidths.has(Tier.DISK) && catalog.diskHas(t, e);
  }

  /**
   * The recovery's working placement: which slots got an orphan, how many active replicas each
   * expert has left, and the re-seating of an orphan to another slot of its own rank (same target
   * rank, same timing) to give a donated replica back.
   */
  private static final class Seating {
    private final int[] origin;
    private final int[] slots;
    private final int[] activeReplicas;
    private final int spr;
    private final BitSet refilled;

    /** Per expert, how many of its slots hold an orphan now. */
    private final int[] taken;

    private final Map<Integer, RepairAction> byOrphan = new LinkedHashMap<>();

    Seating(int[] origin, int[] slots, int[] activeReplicas, int spr) {
      this.origin = origin;
      this.slots = slots;
      this.activeReplicas = activeReplicas;
      this.spr = spr;
      this.refilled = new BitSet(slots.length);
      this.taken = new int[activeReplicas.length];
    }

    /**
     * True if slot {@code p} may be overwritten: empty, or its expert keeps another active replica.
     */
    private boolean free(int p) {
      return !refilled.get(p) && (origin[p] < 0 || activeReplicas[origin[p]] >= 2);
    }

    /**
     * The best slot of rank {@code t} to overwrite, or -1: empty first, then most active replicas,
     * then lowest.
     */
    int preferredSlot(int t) {
      int best = -1;
      int bestRank = Integer.MIN_VALUE;
      for (int p = t * spr; p < (t + 1) * spr; p++) {
        if (free(p) && slotRank(origin[p], activeReplicas) > bestRank) {
          bestRank = slotRank(origin[p], activeReplicas);
          best = p;
        }
      }
      return best;
    }

    /**
     * True if rank {@code t} has a slot that is not free only because an orphan took its expert's
     * other replica.
     */
    boolean hasBlockedSlot(int t) {
      for (int p = t * spr; p < (t + 1) * spr; p++) {
        if (!refilled.get(p)
            && origin[p] >= 0
            && activeReplicas[origin[p]] == 1
            && taken[origin[p]] > 0) {
          return true;
        }
      }
      return false;
    }

    /**
     * Frees a blocked slot of rank {@code t} by re-seating orphans; returns it, or -1 (nothing
     * changed).
     */
    int freeSlotOn(int t) {
      for (int p = t * spr; p < (t + 1) * spr; p++) {
        if (!refilled.get(p)
            && origin[p] >= 0
            && activeReplicas[origin[p]] == 1
            && taken[origin[p]] > 0) {
          BitSet visited = new BitSet();
          visited.set(origin[p]);
          if (release(origin[p], visited)) {
            return p;
          }
        }
      }
      return -1;
    }

    /**
     * Gives expert {@code d} one active replica back by moving an orphan off one of its slots
     * (depth-first).
     */
    private boolean release(int d, BitSet visited) {
      if (taken[d] == 0) {
        return false;
      }
      for (int q = refilled.nextSetBit(0); q >= 0; q = refilled.nextSetBit(q + 1)) {
        if (origin[q] != d) {
          continue;
        }
        int rank = q / spr;
        for (int alt = rank * spr; alt < (rank + 1) * spr; alt++) {
          if (alt == q || refilled.get(alt)) {
            continue;
          }
          int d2 = origin[alt];
          boolean ok = free(alt);
          if (!ok && d2 >= 0 && !visited.get(d2)) {
            visited.set(d2);
            ok = release(d2, visited);
          }
          if (ok) {
            reseat(q, alt);
            return true;
          }
        }
      }
      return false;
    }

    void seat(int orphan, int p, RepairAction action) {
      if (origin[p] >= 0) {
        activeReplicas[origin[p]]--;
        taken[origin[p]]++;
      }
      slots[p] = orphan;
      activeReplicas[orphan] = 1;
      refilled.set(p);
      byOrphan.put(orphan, action);
    }

    private void reseat(int from, int to) {
      int orphan = slots[from];
      slots[from] = origin[from];
      activeReplicas[origin[from]]++;
      taken[origin[from]]--;
      refilled.clear(from);
      if (origin[to] >= 0) {
        activeReplicas[origin[to]]--;
        taken[origin[to]]++;
      }
      slots[to] = orphan;
      refilled.set(to);
      RepairAction a = byOrphan.get(orphan);
      byOrphan.put(
          orphan,
          new RepairAction(
              a.expert(),
              to,
              a.targetRank(),
              a.source(),
              a.sourceRank(),
              a.bytes(),
              a.estimatedSeconds(),
              a.startSeconds()));
    }

    List<RepairAction> actions() {
      return new ArrayList<>(byOrphan.values());
    }
  }

  /** A candidate source for one load, with its timing. */
  private record Source(Tier tier, int rank, double start, double seconds, int served) {
    double end() {
      return start + seconds;
    }

    boolean betterThan(Source o) {
      int c = Double.compare(end(), o.end());
      if (c != 0) {
        return c < 0;
      }
      c = tier.compareTo(o.tier);
      if (c != 0) {
        return c < 0;
      }
      c = Integer.compare(served, o.served);
      return c != 0 ? c < 0 : rank < o.rank;
    }
  }

  /** A candidate (slot, source) for one orphan. */
  private record Choice(int slot, int target, Source source, int slotRank) {
    boolean betterThan(Choice o) {
      int c = Double.compare(source.end(), o.source.end());
      if (c != 0) {
        return c < 0;
      }
      c = Integer.compare(o.slotRank, slotRank);
      if (c != 0) {
        return c < 0;
      }
      c = source.tier.compareTo(o.source.tier);
      if (c != 0) {
        return c < 0;
      }
      return slot < o.slot;
    }
  }

  /** Busy-until times of target ranks and of peer sources. */
  private final class Schedule {
    private final double[] targetReady;
    private final double[] sourceReady;
    private final int[] served;
    private final long bytes;

    Schedule(int maxRanks, long bytes) {
      this.targetReady = new double[maxRanks];
      this.sourceReady = new double[maxRanks];
      this.served = new int[maxRanks];
      this.bytes = bytes;
    }

    /**
     * The source that would finish loading {@code e} into {@code t} earliest, or null if none has
     * it.
     */
    Source bestSource(int e, int t, List<Integer> peers, SourceCatalog catalog) {
      Source best = null;
      double ready = targetReady[t];
      if (bandwidths.has(Tier.PEER)) {
        for (int s : peers) {
          if (s == t) {
            continue;
          }
          double bw = peerBandwidth.bytesPerSec(s, t);
          if (bw > 0) {
            best =
                pick(
                    best,
                    new Source(
                        Tier.PEER, s, Math.max(ready, sourceReady[s]), bytes / bw, served[s]));
          }
        }
      }
      if (bandwidths.has(Tier.HOST) && catalog.hostHas(t, e)) {
        best =
            pick(best, new Source(Tier.HOST, -1, ready, bytes / bandwidths.hostBytesPerSec(), 0));
      }
      if (bandwidths.has(Tier.DISK) && catalog.diskHas(t, e)) {
        best =
            pick(best, new Source(Tier.DISK, -1, ready, bytes / bandwidths.diskBytesPerSec(), 0));
      }
      return best;
    }

    private Source pick(Source best, Source candidate) {
      return best == null || candidate.betterThan(best) ? candidate : best;
    }

    RepairAction commit(int e, int slot, int t, Source src) {
      double end = src.end();
      targetReady[t] = end;
      if (src.tier == Tier.PEER) {
        sourceReady[src.rank] = end;
        served[src.rank]++;
      }
      return new RepairAction(e, slot, t, src.tier, src.rank, bytes, src.seconds, src.start);
    }
  }
}
