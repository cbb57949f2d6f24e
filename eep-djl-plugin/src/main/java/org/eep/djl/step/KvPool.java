package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.eep.djl.model.MoeConfig;

/**
 * One rank's key/value memory: per layer, one preallocated {@code [kvHeads, blocks × blockSize,
 * headDim]} tensor each for keys and values (head-major, so the rows a step gathers form one
 * contiguous {@code [kvHeads, rows, headDim]} batch of matrices), handed out in blocks of {@link
 * #BLOCK} positions (paged, as vLLM's PagedAttention). A request reserves the blocks for all its
 * positions (prompt and every token it may generate) when it joins the batch, so it can never run
 * out half-way; a request that cannot fit waits, and one larger than the whole pool is refused.
 * Positions are written in place by row, so re-running a step rewrites the same rows with the same
 * values. Owned by one rank thread.
 */
public final class KvPool implements AutoCloseable {
  /** Positions per block. */
  public static final int BLOCK = 16;

  /**
   * The blocks one request holds: position {@code p} lives in row {@code blocks[p / BLOCK] * BLOCK
   * + p % BLOCK}.
   */
  public record Blocks(int[] ids) {
    public Blocks {
      ids = ids.clone();
    }

    /** The pool row of position {@code position}. */
    public int row(int position) {
      return ids[position / BLOCK] * BLOCK + position % BLOCK;
    }

    /** The id of the block holding position {@code position}. */
    public int block(int position) {
      return ids[position / BLOCK];
    }

    /** Positions these blocks hold. */
    public int capacity() {
      return ids.length * BLOCK;
    }
  }

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final NDArray[] keyBlocks;
  private final NDArray[] valueBlocks;
  private final Deque<Integer> free = new ArrayDeque<>();
  private final int blocks;
  private volatile int freeBlocks;

  /** A pool of at least {@code tokens} positions (rounded up to whole blocks). */
  public KvPool(MoeConfig config, NDManager parent, int tokens) {
    if (tokens <= 0) {
      throw new IllegalArgumentException("tokens must be > 0, got " + tokens);
    }
    this.manager = requireNonNull(parent, "parent is null").newSubManager();
    this.blocks = (tokens + BLOCK - 1) / BLOCK;
    Shape shape = new Shape(config.numKvHeads(), (long) blocks * BLOCK, config.headDim());
    Shape byBlock = new Shape(config.numKvHeads(), blocks, BLOCK, config.headDim());
    keys = new NDArray[config.numLayers()];
    values = new NDArray[config.numLayers()];
    keyBlocks = new NDArray[config.numLayers()];
    valueBlocks = new NDArray[config.numLayers()];
    for (int l = 0; l < keys.length; l++) {
      keys[l] = manager.zeros(shape, DataType.FLOAT32);
      values[l] = manager.zeros(shape, DataType.FLOAT32);
      keyBlocks[l] = keys[l].reshape(byBlock);
      valueBlocks[l] = values[l].reshape(byBlock);
    }
    for (int b = 0; b < blocks; b++) {
      free.add(b);
    }
    freeBlocks = blocks;
  }

  /** Keys of {@code layer}: {@code [kvHeads, rows, headDim]}. */
  public NDArray keys(int layer) {
    return keys[layer];
  }

  /** Values of {@code layer}: {@code [kvHeads, rows, headDim]}. */
  public NDArray values(int layer) {
    return values[layer];
  }

  /**
   * Keys of {@code layer} by block, {@code [kvHeads, blocks, BLOCK, headDim]}: the same memory as
   * {@link #keys}.
   */
  public NDArray keyBlocks(int layer) {
    return keyBlocks[layer];
  }

  /**
   * Values of {@code layer} by block, {@code [kvHeads, blocks, BLOCK, headDim]}: the same memory as
   * {@link #values}.
   */
  public NDArray valueBlocks(int layer) {
    return valueBlocks[layer];
  }

  /** Positions the pool holds in all. */
  public int capacity() {
    return blocks * BLOCK;
  }

  /** Positions of the blocks not handed out; may be read from any thread. */
  public int freePositions() {
    return freeBlocks * BLOCK;
  }

  /** Blocks for {@code positions} positions, or empty if not enough are free now. */
  public Optional<Blocks> allocate(int positions) {
    int n = (positions + BLOCK - 1) / BLOCK;
    if (n > free.size()) {
      return Optional.empty();
    }
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = free.poll();
    }
    freeBlocks = free.size();
    return Optional.of(new Blocks(ids));
  }

  /** Returns {@code blocks} to the pool. */
  public void free(Blocks b) {
    for (int id : b.ids()) {
      free.add(id);
    }
    freeBlocks = free.size();
  }

  @Override
  public void close() {
    manager.close();
  }
}
