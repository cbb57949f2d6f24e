package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.TensorNames;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.wire.WeightsCodec;
import org.eep.placement.rebalance.SlotLoad;
import org.eep.placement.repair.Tier;

/**
 * Stages the weights of a rebalance's loads off the rank thread: each (layer, slot)'s new expert,
 * from the source the plan chose (a peer's slot over the transport, this node's host backup, or the
 * checkpoint; host falls back to the checkpoint if the backup lacks the expert), as tensors in the
 * {@link ExpertStore}'s own layout (so the switch is one in-place copy per tensor), together with a
 * copy of what the slot holds now (so the switch can be undone). Nothing is written into a slot
 * here. One background thread per rank; {@link #stage} from the rank thread.
 */
public final class WeightStager implements AutoCloseable {
  private final MoeConfig model;
  private final ExpertStore store;
  private final Checkpoint checkpoint;
  private final Optional<HostBackup> backup;
  private final NDManager manager;
  private final int rank;
  private final Transport transport;
  private final Supplier<Long> incarnation;
  private final Duration peerTimeout;
  private final ExecutorService thread;
  private final LongAdder peerBytes = new LongAdder();
  private final LongAdder hostBytes = new LongAdder();
  private final LongAdder diskBytes = new LongAdder();

  /**
   * A stager for {@code rank}: peer copies over {@code transport} (each awaited up to {@code
   * peerTimeout}), {@code backup} if present, and {@code checkpoint}.
   */
  public WeightStager(
      int rank,
      MoeConfig model,
      ExpertStore store,
      Checkpoint checkpoint,
      Optional<HostBackup> backup,
      Transport transport,
      Supplier<Long> incarnation,
      Duration peerTimeout,
      NDManager manager) {
    this.rank = rank;
    this.transport = requireNonNull(transport, "transport is null");
    this.incarnation = requireNonNull(incarnation, "incarnation is null");
    this.peerTimeout = requireNonNull(peerTimeout, "peerTimeout is null");
    this.model = requireNonNull(model, "model is null");
    this.store = requireNonNull(store, "store is null");
    this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
    this.backup = requireNonNull(backup, "backup is null");
    this.manager = requireNonNull(manager, "manager is null");
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "eep-rank-" + rank + "-staging");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * One (layer, slot) load's staged weights in the store's layout ({@code gateUp}, {@code down}),
   * and what the slot held in that layer when they were staged ({@code oldGateUp}, {@code
   * oldDown}).
   */
  public record Staged(
      SlotLoad load, NDArray gateUp, NDArray down, NDArray oldGateUp, NDArray oldDown, Tier tier) {}

  /**
   * A staging in progress and the tensors it holds; {@link #close} abandons it (its result is then
   * never used) and frees them.
   */
  public static final class Job implements AutoCloseable {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<List<Staged>> result = new CompletableFuture<>();
    private final NDManager tensors;

    private Job(NDManager tensors) {
      this.tensors = tensors;
    }

    /** True once every move is staged. */
    public boolean done() {
      return result.isDone() && !result.isCompletedExceptionally();
    }

    /** True if staging failed (the rebalance cannot switch). */
    public boolean failed() {
      return result.isCompletedExceptionally() && !cancelled.get();
    }

    /** The staged slots; call once {@link #done}. */
    public List<Staged> staged() {
      return result.join();
    }

    private void requireOpen() {
      if (cancelled.get()) {
        throw new CancellationException("abandoned");
      }
    }

    /**
     * Abandons the staging (if it still runs; waits for the copy in progress) and frees its
     * tensors, old contents included.
     */
    @Override
    public void close() {
      cancelled.set(true);
      result.cancel(false);
      synchronized (tensors) {
        tensors.close();
      }
    }
  }

  /**
   * Starts staging rebalance {@code snapshotId} of {@code epoch}: first sends the peer copies this
   * rank serves ({@code sends}, read from its own slots, which only change at the switch), then
   * stages {@code loads} (all targeting this rank, whose slots number {@code slotsPerRank}). A send
   * never waits for its receiver, so two ranks copying to each other do not wait on each other.
   */
  public Job stage(
      List<SlotLoad> loads, List<SlotLoad> sends, long epoch, long snapshotId, int slotsPerRank) {
    Job job = new Job(manager.newSubManager());
    thread.execute(
        () -> {
          try {
            // Each step under the job's lock: once close() returns, no slot is read here any more.
            for (SlotLoad m : sends) {
              synchronized (job.tensors) {
                job.requireOpen();
                send(m, epoch, snapshotId, slotsPerRank);
              }
            }
            List<Staged> out = new ArrayList<>();
            for (SlotLoad m : loads) {
              synchronized (job.tensors) {
                job.requireOpen();
                out.add(stage(m, m.physicalSlot() % slotsPerRank, epoch, snapshotId, job.tensors));
              }
            }
            job.result.complete(out);
          } catch (RuntimeException e) {
            job.result.completeExceptionally(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.result.completeExceptionally(e);
          }
        });
    return job;
  }

  /** One layer of one of this rank's slots, to the load's target, in the store's layout. */
  private void send(SlotLoad m, long epoch, long snapshotId, int slotsPerRank) {
    try (NDManager scratch = manager.newSubManager()) {
      transport.send(
          m.targetRank(),
          new MessageHeader(
              rank,
              incarnation.get(),
              epoch,
              snapshotId,
              m.layer(),
              Phase.WEIGHTS,
              m.physicalSlot() % slotsPerRank),
          store.slotBytes(m.layer(), m.sourceSlot() % slotsPerRank, scratch));
    }
  }

  private Staged stage(SlotLoad m, int slot, long epoch, long snapshotId, NDManager into)
      throws InterruptedException {
    if (m.source() == Tier.PEER) {
      NDArray[] w =
          WeightsCodec.decode(
              transport
                  .receive(
                      new MessageKey(
                          m.sourceRank(), epoch, snapshotId, m.layer(), Phase.WEIGHTS, slot),
                      peerTimeout)
                  .payload(),
              model.hiddenSize(),
              model.moeIntermediateSize(),
              into);
      NDArray[] old = store.copySlot(m.layer(), slot, into);
      peerBytes.add((w[0].size() + w[1].size()) * Float.BYTES);
      return new Staged(m, w[0], w[1], old[0], old[1], Tier.PEER);
    }
    return stage(m, slot, into);
  }

  private Staged stage(SlotLoad m, int slot, NDManager into) {
    int l = m.layer();
    int e = m.expert();
    float[][] fromHost = m.source() == Tier.HOST ? backup.map(b -> b.get(l, e)).orElse(null) : null;
    NDArray[] stored;
    long bytes = 0;
    try (NDManager scratch = into.newSubManager()) {
      // The checkpoint's layout (gate, up [i, h]; down [h, i]); from the checkpoint straight into
      // tensors, no Java arrays to collect on the rank's heap.
      NDArray[] w =
          fromHost != null ? store.checkpointTensors(fromHost, scratch) : fromDisk(l, e, scratch);
      for (NDArray x : w) {
        bytes += x.size() * Float.BYTES;
      }
      stored = ExpertStore.storeLayout(w[0], w[1], w[2], into);
    }
    NDArray[] old = store.copySlot(l, slot, into);
    (fromHost != null ? hostBytes : diskBytes).add(bytes);
    return new Staged(
        m, stored[0], stored[1], old[0], old[1], fromHost != null ? Tier.HOST : Tier.DISK);
  }

  private NDArray[] fromDisk(int layer, int expert, NDManager into) {
    NDArray[] w = new NDArray[TensorNames.EXPERT_PROJECTIONS.length];
    for (int k = 0; k < w.length; k++) {
      w[k] =
          checkpoint
              .file()
              .read(into, TensorNames.expert(layer, expert, TensorNames.EXPERT_PROJECTIONS[k]));
    }
    return w;
  }

  /** Bytes staged from peers so far. */
  public long peerBytes() {
    return peerBytes.sum();
  }

  /** Bytes staged from the host backup so far. */
  public long hostBytes() {
    return hostBytes.sum();
  }

  /** Bytes staged from the checkpoint so far. */
  public long diskBytes() {
    return diskBytes.sum();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
