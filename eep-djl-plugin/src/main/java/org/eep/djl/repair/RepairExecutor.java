package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.eep.api.comm.Transport;
import org.eep.api.placement.LayerMap;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.step.ExpertStore;
import org.eep.placement.repair.RepairAction;
import org.eep.placement.repair.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the repair actions that target this rank: each loads one logical expert into one of
 * its local slots from the action's tier, through the {@link WeightSource} of that tier, and is
 * recorded with the time it really took. Runs on the rank thread; {@link #executed()} may be read
 * from any thread.
 */
public final class RepairExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(RepairExecutor.class);

  private final int rank;
  private final int slotsPerRank;
  private final Map<Tier, WeightSource> sources = new EnumMap<>(Tier.class);
  private final DiskWeights disk;
  private final List<ExecutedRepair> executed = new CopyOnWriteArrayList<>();

  /**
   * Sources for every tier: peers over {@code transport} (each layer's message awaited up to {@code
   * peerTimeout}), {@code backup} if present, and {@code checkpoint}; an action's expert is a
   * column, which {@code layers} says is which logical expert in each layer (peers copy slots as
   * they are).
   */
  public RepairExecutor(
      int rank,
      int slotsPerRank,
      MoeConfig model,
      ExpertStore store,
      Transport transport,
      Duration peerTimeout,
      Checkpoint checkpoint,
      Optional<HostBackup> backup,
      Supplier<LayerMap> layers,
      NDManager manager) {
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.disk = new DiskWeights(model, store, checkpoint, backup, layers, manager);
    sources.put(Tier.PEER, new PeerWeights(model, store, transport, peerTimeout, manager));
    backup.ifPresent(b -> sources.put(Tier.HOST, new HostWeights(model, store, b, layers)));
    sources.put(Tier.DISK, disk);
  }

  /**
   * Loads {@code expert} from the checkpoint into local slot {@code slot} (initial formation: not a
   * repair).
   */
  public void loadInitial(int slot, int expert) {
    disk.load(expert, slot);
  }

  /** Carries out {@code action}, which targets this rank, for the repair of {@code epoch}. */
  public void execute(long epoch, RepairAction action) throws InterruptedException {
    requireNonNull(action, "action is null");
    if (action.targetRank() != rank) {
      throw new IllegalArgumentException(
          "action " + action + " targets rank " + action.targetRank() + ", not " + rank);
    }
    WeightSource source = sources.get(action.source());
    if (source == null) {
      throw new IllegalStateException(
          "rank " + rank + " has no " + action.source() + " tier (the plan assumed one)");
    }
    long t0 = System.nanoTime();
    source.load(epoch, action, action.physicalSlot() % slotsPerRank);
    double actual = (System.nanoTime() - t0) / 1e9;
    executed.add(new ExecutedRepair(epoch, action, actual));
    LOG.info(
        "rank {} repair e{}: expert {} -> slot {} from {}{} ({} bytes, estimated {} s, actual {} s)",
        rank,
        epoch,
        action.expert(),
        action.physicalSlot(),
        action.source(),
        action.source() == Tier.PEER ? " rank " + action.sourceRank() : "",
        action.bytes(),
        String.format("%.4f", action.estimatedSeconds()),
        String.format("%.4f", actual));
  }

  /** Every action carried out so far, in order. */
  public List<ExecutedRepair> executed() {
    return List.copyOf(executed);
  }
}
