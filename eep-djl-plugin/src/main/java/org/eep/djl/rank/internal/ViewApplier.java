package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.eep.api.comm.Fence;
import org.eep.api.comm.Transport;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.ExpertPlacement;
import org.eep.djl.rank.RankState;
import org.eep.djl.repair.RepairExecutor;
import org.eep.djl.repair.WeightSender;
import org.eep.djl.request.RequestRejectedException;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.RepairPlan;
import org.eep.placement.repair.RepairPlanner;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns views on the membership thread and applies them on the rank thread between steps, in epoch
 * order: fences the transport in, stops an evicted incarnation, opens connections to new
 * incarnations, returns from this epoch's rebalances to the placement it began with, carries out
 * the placement transition (repair after a failure, weights for a joining rank, sent in the
 * background) and updates the routing tables in place.
 *
 * <p>A view that loses or demotes a member is fenced in the moment it is learned, which ends the
 * step in flight: it may wait on a dead peer. A view that only adds (a rank joining, a joiner made
 * ACTIVE) is fenced in when it is applied: every member of the step in flight is alive, so the step
 * finishes first, and a peer that applied the view earlier ends this rank's waits for what it never
 * sent in the older epoch ({@link org.eep.api.comm.Inbox}). No rank then completes a step that
 * another abandons, so such a view re-runs no step.
 */
final class ViewApplier {
  private static final Logger LOG = LoggerFactory.getLogger(ViewApplier.class);

  private final RankContext ctx;
  private final Transport transport;
  private final Connections connections;
  private final PlacementState placement;
  private final RepairPlanner planner;
  private final SourceCatalog catalog;
  private final RepairExecutor repairs;
  private final WeightSender sender;
  private final Consumer<RuntimeException> failAll;
  private final Runnable wake;
  private final Rebalancer rebalancer;
  private final BlockingQueue<MembershipView> learned = new LinkedBlockingQueue<>();
  private MembershipView lastLearned;

  ViewApplier(
      RankContext ctx,
      Connections connections,
      PlacementState placement,
      RepairExecutor repairs,
      WeightSender sender,
      Consumer<RuntimeException> failAll,
      Runnable wake,
      Rebalancer rebalancer) {
    this.ctx = requireNonNull(ctx, "ctx is null");
    this.transport = ctx.transport();
    this.connections = requireNonNull(connections, "connections is null");
    this.placement = requireNonNull(placement, "placement is null");
    this.planner = ctx.setup().planner();
    this.catalog =
        ctx.setup().hostBackup().isPresent()
            ? SourceCatalog.everywhere()
            : SourceCatalog.diskOnly();
    this.repairs = requireNonNull(repairs, "repairs is null");
    this.sender = requireNonNull(sender, "sender is null");
    this.failAll = requireNonNull(failAll, "failAll is null");
    this.wake = requireNonNull(wake, "wake is null");
    this.rebalancer = requireNonNull(rebalancer, "rebalancer is null");
  }

  /**
   * The membership listener: fences at once unless {@code v} only adds to the last view learned,
   * applies later. Runs on the membership's notification thread.
   */
  synchronized void learn(MembershipView v) {
    if (lastLearned == null || !onlyAdds(lastLearned, v)) {
      transport.fence(Fence.of(v));
    }
    lastLearned = v;
    learned.add(v);
    wake.run();
  }

  /**
   * True if every member of {@code before} is still a member of {@code after} in the same
   * incarnation, none ACTIVE before is less than ACTIVE after, and the instance did not fail.
   */
  static boolean onlyAdds(MembershipView before, MembershipView after) {
    if (after.state() == InstanceState.FAILED || after.epoch() <= before.epoch()) {
      return false;
    }
    for (Slot was : before.slots()) {
      Slot now = after.slot(was.rank());
      if (was.state().isMember()
          && (now.incarnation() != was.incarnation()
              || !now.state().isMember()
              || (was.state() == SlotState.ACTIVE && now.state() != SlotState.ACTIVE))) {
        return false;
      }
    }
    return true;
  }

  /** True if views are waiting to be applied. */
  boolean pending() {
    return !learned.isEmpty();
  }

  /** Applies every learned view newer than the applied one, in epoch order; true if any was. */
  boolean applyLearned(boolean formed) throws InterruptedException {
    boolean changed = false;
    MembershipView v;
    while ((v = learned.poll()) != null) {
      MembershipView prev = ctx.applied();
      transport.fence(Fence.of(v)); // older fences are ignored
      if (prev != null && v.epoch() <= prev.epoch()) {
        continue;
      }
      sender.awaitIdle(); // no copy of an older view reads a slot this one may write
      rebalancer.beforeView(prev == null ? -1 : prev.epoch());
      ctx.apply(v);
      changed = true;
      if (v.state() == InstanceState.FAILED) {
        LOG.warn("rank {}: instance FAILED ({}); stopping", ctx.rank(), v.cause());
        RequestRejectedException e =
            new RequestRejectedException(
                "instance failed (" + v.cause() + "); it must be restarted");
        failAll.accept(e);
        ctx.lifecycle().fail(e);
        return true;
      }
      Slot me = v.slot(ctx.rank());
      if (me.incarnation() != ctx.incarnation()
          || me.state() == SlotState.FAILED
          || me.state() == SlotState.LEFT) {
        LOG.warn(
            "rank {} incarnation {} is {} in {}: evicted, stopping (it must rejoin as a new incarnation)",
            ctx.rank(),
            ctx.incarnation(),
            me.state(),
            v.summary());
        ctx.lifecycle().end(RankState.EVICTED);
        return true;
      }
      connections.connectTo(v);
      if (prev != null && formed) {
        transition(prev, v);
      }
      placement.route(v);
      rebalancer.viewApplied(prev != null && !prev.activeRanks().equals(v.activeRanks()));
      ctx.settled(v.epoch());
    }
    return changed;
  }

  /**
   * The placement transition from one view to the next: repair after failures, weights for joining
   * ranks.
   */
  private void transition(MembershipView prev, MembershipView v) throws InterruptedException {
    long bytes = ctx.setup().model().expertBytesAllLayers();
    if (!prev.activeRanks().equals(v.activeRanks()) && v.activeCount() > 0) {
      // A rank lost leaves orphans; a rank gained is capacity for orphans still uncovered.
      repair(v, planner.planRecovery(placement.placement(), v.activeRanks(), bytes, catalog));
    }
    for (Slot s : v.slots()) {
      if (s.state() == SlotState.JOINING && s.rank() != ctx.rank() && v.activeCount() > 0) {
        if (v.activeRanks().nextSetBit(0) == ctx.rank()) {
          sender.sendPlacement(v.epoch(), s.rank(), placement.placement(), placement.layers());
        }
        sendOurs(
            v.epoch(),
            planner.planRejoin(placement.placement(), v.activeRanks(), s.rank(), bytes, catalog));
      }
    }
  }

  /**
   * The logical experts that would have no replica if {@code leaving} left the applied view now:
   * the recovery plan the ranks would compute for it, and what it could not restore. Empty before a
   * placement and a view are known. Pure; callable from any thread.
   */
  List<Integer> missingWithout(int leaving) {
    MembershipView v = ctx.applied();
    ExpertPlacement current = placement.placement();
    if (v == null || current == null) {
      return List.of();
    }
    BitSet active = v.activeRanks();
    active.clear(leaving);
    if (active.isEmpty()) {
      return IntStream.range(0, current.logicalExperts()).boxed().toList();
    }
    long bytes = ctx.setup().model().expertBytesAllLayers();
    int[] columns =
        planner.planRecovery(current, active, bytes, catalog).missingExperts().stream()
            .mapToInt(Integer::intValue)
            .toArray();
    return IntStream.of(placement.layers().logicalOfAny(columns)).boxed().toList();
  }

  private void repair(MembershipView v, RepairPlan plan) throws InterruptedException {
    if (plan.actions().isEmpty() && plan.missingExperts().isEmpty()) {
      return;
    }
    LOG.info(
        "rank {} recovery plan at {}: {} orphans restored, missing {}, estimated {} s",
        ctx.rank(),
        v.summary(),
        plan.actions().size(),
        plan.missingExperts(),
        String.format("%.4f", plan.estimatedSeconds()));
    sendOurs(v.epoch(), plan);
    List<RepairAction> mine =
        plan.actions().stream().filter(a -> a.targetRank() == ctx.rank()).toList();
    if (!mine.isEmpty()) {
      sender.awaitIdle(); // a restored expert may go to a slot a copy is read from
    }
    for (RepairAction a : mine) {
      repairs.execute(v.epoch(), a);
    }
    placement.set(plan.after());
  }

  /** Queues the copies of the experts {@code plan} sources from this rank's slots. */
  private void sendOurs(long epoch, RepairPlan plan) {
    sender.send(
        epoch,
        plan.actions().stream()
            .filter(a -> a.source() == Tier.PEER && a.sourceRank() == ctx.rank())
            .toList());
  }
}
