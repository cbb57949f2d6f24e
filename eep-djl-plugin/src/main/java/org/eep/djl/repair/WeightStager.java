package org.eep.djl.repair;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.TensorNames;
import org.eep.placement.rebalance.SlotMove;
import org.eep.placement.repair.Tier;

/**
 * Stages the weights of a rebalance's moves off the rank thread: each moved slot's expert, every
 * layer, from this node's host backup when it has the expert, else from the checkpoint, laid out as
 * the {@link org.eep.djl.step.ExpertStore} keeps them (so the switch is one copy per tensor).
 * Nothing is written into a slot here. One background thread per rank; {@link #stage} from the rank
 * thread.
 */
public final class WeightStager implements AutoCloseable {
  private final MoeConfig model;
  private final Checkpoint checkpoint;
  private final Optional<HostBackup> backup;
  private final ExecutorService thread;
  private final LongAdder hostBytes = new LongAdder();
  private final LongAdder diskBytes = new LongAdder();

  public WeightStager(
      int rank, MoeConfig model, Checkpoint checkpoint, Optional<HostBackup> backup) {
    this.model = requireNonNull(model, "model is null");
    this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
    this.backup = requireNonNull(backup, "backup is null");
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "eep-rank-" + rank + "-staging");
              t.setDaemon(true);
              return t;
            });
  }

  /** One slot's staged weights: per layer the gate-and-up and the down tensor's bytes. */
  public record Staged(SlotMove move, ByteBuffer[] gateUp, ByteBuffer[] down, Tier tier) {}

  /** A staging in progress; {@link #cancel} abandons it (its result is then never used). */
  public static final class Job {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<List<Staged>> result;

    private Job(CompletableFuture<List<Staged>> result) {
      this.result = result;
    }

    public void cancel() {
      cancelled.set(true);
      result.cancel(false);
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
  }

  /** Starts staging {@code moves} (all targeting this rank). */
  public Job stage(List<SlotMove> moves) {
    CompletableFuture<List<Staged>> f = new CompletableFuture<>();
    Job job = new Job(f);
    thread.execute(
        () -> {
          try {
            List<Staged> out = new ArrayList<>();
            for (SlotMove m : moves) {
              if (job.cancelled.get()) {
                throw new CancellationException("abandoned");
              }
              out.add(stage(m));
            }
            f.complete(out);
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    return job;
  }

  private Staged stage(SlotMove m) {
    int layers = model.numLayers();
    int e = m.toExpert();
    boolean host =
        backup.isPresent()
            && IntStream.range(0, layers).allMatch(l -> backup.get().get(l, e) != null);
    ByteBuffer[] gateUp = new ByteBuffer[layers];
    ByteBuffer[] down = new ByteBuffer[layers];
    for (int l = 0; l < layers; l++) {
      float[][] w = host ? backup.get().get(l, e) : read(l, e);
      gateUp[l] = gateUp(w[0], w[1]);
      down[l] = transpose(w[2], model.hiddenSize(), model.moeIntermediateSize());
      long bytes = 3L * model.hiddenSize() * model.moeIntermediateSize() * Float.BYTES;
      (host ? hostBytes : diskBytes).add(bytes);
    }
    return new Staged(m, gateUp, down, host ? Tier.HOST : Tier.DISK);
  }

  private float[][] read(int layer, int expert) {
    float[][] w = new float[3][];
    for (int i = 0; i < 3; i++) {
      FloatBuffer b =
          checkpoint
              .file()
              .readBytes(TensorNames.expert(layer, expert, TensorNames.EXPERT_PROJECTIONS[i]))
              .order(ByteOrder.LITTLE_ENDIAN)
              .asFloatBuffer();
      w[i] = new float[b.remaining()];
      b.get(w[i]);
    }
    return w;
  }

  /** gate, up {@code [i, h]} to the store's {@code [h, 2i]} (gate columns, then up columns). */
  private ByteBuffer gateUp(float[] gate, float[] up) {
    int h = model.hiddenSize();
    int i = model.moeIntermediateSize();
    ByteBuffer b =
        ByteBuffer.allocateDirect(Float.BYTES * 2 * h * i).order(ByteOrder.nativeOrder());
    FloatBuffer f = b.asFloatBuffer();
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < i; c++) {
        f.put(gate[c * h + r]);
      }
      for (int c = 0; c < i; c++) {
        f.put(up[c * h + r]);
      }
    }
    return b;
  }

  /** A row-major {@code [rows, cols]} matrix transposed into a direct buffer. */
  private static ByteBuffer transpose(float[] m, int rows, int cols) {
    ByteBuffer b =
        ByteBuffer.allocateDirect(Float.BYTES * rows * cols).order(ByteOrder.nativeOrder());
    FloatBuffer f = b.asFloatBuffer();
    for (int c = 0; c < cols; c++) {
      for (int r = 0; r < rows; r++) {
        f.put(m[r * cols + c]);
      }
    }
    return b;
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
