package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.wire.PlacementCodec;
import org.eep.placement.repair.RepairAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of the peer tier: copies the experts this rank holds to the targets of repair
 * actions, one WEIGHTS message per layer, and tells a joining rank the placement. The copies are
 * made on a background thread, so a rank keeps stepping while a joiner receives its weights; they
 * only read slots, and the rank thread calls {@link #awaitIdle} before it writes one (slots change
 * only when a view is applied or a rebalance switches, and a rebalance switches only when every
 * rank's sender {@link #idle is idle}). A send that fails is logged and left to the membership (the
 * target or this link is failing). {@link #send}, {@link #sendPlacement} and {@link #awaitIdle} are
 * called from the rank thread; {@link #idle} and the counters from any thread.
 */
public final class WeightSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WeightSender.class);

  private final int rank;
  private final int slotsPerRank;
  private final ExpertStore store;
  private final Transport transport;
  private final Supplier<Long> incarnation;
  private final NDManager manager;
  private final ExecutorService thread;
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder bytesSent = new LongAdder();
  private volatile Future<?> last;

  public WeightSender(
      int rank,
      int slotsPerRank,
      ExpertStore store,
      Transport transport,
      Supplier<Long> incarnation,
      NDManager manager) {
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.store = requireNonNull(store, "store is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.incarnation = requireNonNull(incarnation, "incarnation is null");
    this.manager = requireNonNull(manager, "manager is null");
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "eep-rank-" + rank + "-weights");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Queues the copies of {@code actions} (each sourced from this rank) for the transition to {@code
   * epoch}; returns at once. Which local slot holds each expert is read now, on the rank thread.
   */
  public void send(long epoch, List<RepairAction> actions) {
    if (actions.isEmpty()) {
      return;
    }
    int[] local = new int[actions.size()];
    for (int i = 0; i < local.length; i++) {
      local[i] = store.slotOf(actions.get(i).expert());
      if (local[i] < 0) {
        LOG.warn(
            "rank {} was asked to send expert {} it does not hold", rank, actions.get(i).expert());
      }
    }
    queued.incrementAndGet();
    try {
      last = thread.submit(() -> sendAll(epoch, List.copyOf(actions), local));
    } catch (RejectedExecutionException e) {
      queued.decrementAndGet(); // closed: the rank is stopping
    }
  }

  private void sendAll(long epoch, List<RepairAction> actions, int[] local) {
    long start = System.nanoTime();
    long bytes = 0;
    try {
      for (int i = 0; i < local.length; i++) {
        if (local[i] >= 0) {
          bytes += sendOne(epoch, actions.get(i), local[i]);
        }
      }
    } finally {
      queued.decrementAndGet();
    }
    bytesSent.add(bytes);
    LOG.info(
        "rank {} sent {} experts ({} MiB) for epoch {} in {} ms, beside its steps",
        rank,
        actions.size(),
        String.format("%.1f", bytes / (double) (1 << 20)),
        epoch,
        (System.nanoTime() - start) / 1_000_000);
  }

  private long sendOne(long epoch, RepairAction action, int local) {
    int targetSlot = action.physicalSlot() % slotsPerRank;
    long bytes = 0;
    for (int l = 0; l < store.config().numLayers(); l++) {
      try (NDManager scratch = manager.newSubManager()) {
        ByteBuffer[] parts = store.slotBytes(l, local, scratch);
        transport.send(
            action.targetRank(),
            new MessageHeader(rank, incarnation.get(), epoch, 0, l, Phase.WEIGHTS, targetSlot),
            parts);
        for (ByteBuffer p : parts) {
          bytes += p.remaining();
        }
      } catch (TransportException e) {
        LOG.warn(
            "rank {} could not send weights to rank {}: {}",
            rank,
            action.targetRank(),
            e.getMessage());
        return bytes;
      }
    }
    return bytes;
  }

  /** True if no copy is queued or in progress. */
  public boolean idle() {
    return queued.get() == 0;
  }

  /** Waits until every queued copy was sent (or failed). Rank thread, before it writes a slot. */
  public void awaitIdle() throws InterruptedException {
    Future<?> f = last;
    if (idle() || f == null) {
      return;
    }
    try {
      f.get(); // one thread, in order: the last queued ends after every earlier one
    } catch (ExecutionException e) {
      LOG.warn("rank {}: a weight send failed", rank, e.getCause());
    } catch (CancellationException e) {
      // closed meanwhile
    }
  }

  /** Bytes of expert weights sent so far. */
  public long bytesSent() {
    return bytesSent.sum();
  }

  /** Tells {@code joiner} the current placement, for the rejoin of {@code epoch}. */
  public void sendPlacement(long epoch, int joiner, ExpertPlacement placement, LayerMap layers) {
    try {
      transport.send(
          joiner,
          new MessageHeader(
              rank, incarnation.get(), epoch, 0, 0, Phase.CONTROL, PlacementCodec.TAG),
          PlacementCodec.encode(placement, layers));
    } catch (TransportException e) {
      LOG.warn(
          "rank {} could not send the placement to joining rank {}: {}",
          rank,
          joiner,
          e.getMessage());
    }
  }

  /** Stops the thread; queued copies are dropped. */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
