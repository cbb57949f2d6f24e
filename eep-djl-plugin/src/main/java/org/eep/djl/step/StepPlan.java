package org.eep.djl.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What one step computes on this rank, decided on the host once and used by every layer: each
 * request's span of positions, the step's tokens in request order (ids, positions, KV rows), and
 * for attention the requests in groups, decoders (one position) and prefills (a chunk), each padded
 * to its longest span and context with a mask, so attention is a fixed number of tensor operations
 * per group whatever the group's size; a group is split only when its scores would pass {@link
 * #MAX_GROUP_SCORES}. Its index tensors live in the step's scratch.
 */
final class StepPlan {
  /**
   * One attention group: {@code b} requests padded to {@code c} queries and {@code l} keys ({@code
   * l / BLOCK} whole KV blocks each, {@code keyBlocks} {@code [b × l / BLOCK]}).
   */
  record Group(int b, int c, int l, NDArray queryRows, NDArray keyBlocks, NDArray mask) {}

  final int[] spans;
  final boolean[] produces;
  final int tokens;
  final NDArray tokenIds;
  final NDArray positions;
  final NDArray kvRows;
  final List<Group> groups;

  /**
   * Row of each token in the groups' outputs, concatenated in group order; null when one group
   * holds every token in order.
   */
  final NDArray gatherOut;

  /**
   * Token rows whose output predicts a token (the last of each producing request's span), in batch
   * order.
   */
  final NDArray lastRows;

  /**
   * Token rows (of the step) of each request's span: {@code firstRow[i]} to {@code firstRow[i] +
   * spans[i]}.
   */
  final int[] firstRow;

  final int[] tokenOwner;

  /**
   * The most attention scores one group computes at once (16 MiB of floats): bigger groups are
   * split, which keeps a prefill's scratch tensors small enough to be reused from the allocator
   * rather than mapped fresh (and page-faulted) per layer.
   */
  static final long MAX_GROUP_SCORES = 1L << 22;

  StepPlan(List<ActiveRequest> batch, StepBudget budget, int heads, NDManager scratch) {
    this(batch, budget, heads, MAX_GROUP_SCORES, scratch);
  }

  /** A plan whose attention groups hold at most {@code maxGroupScores} scores each. */
  StepPlan(
      List<ActiveRequest> batch,
      StepBudget budget,
      int heads,
      long maxGroupScores,
      NDManager scratch) {
    int b = batch.size();
    int[] remaining = new int[b];
    for (int i = 0; i < b; i++) {
      remaining[i] = batch.get(i).remaining();
    }
    spans = budget.spans(remaining);
    produces = new boolean[b];
    firstRow = new int[b];
    int t = 0;
    for (int i = 0; i < b; i++) {
      produces[i] = spans[i] > 0 && batch.get(i).producesToken(spans[i]);
      firstRow[i] = t;
      t += spans[i];
    }
    tokens = t;
    int[] ids = new int[t];
    int[] pos = new int[t];
    int[] rows = new int[t];
    tokenOwner = new int[t];
    List<Integer> last = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      ActiveRequest r = batch.get(i);
      for (int s = 0; s < spans[i]; s++) {
        int row = firstRow[i] + s;
        ids[row] = r.input(s);
        pos[row] = r.position() + s;
        rows[row] = r.row(r.position() + s);
        tokenOwner[row] = i;
      }
      if (produces[i]) {
        last.add(firstRow[i] + spans[i] - 1);
      }
    }
    tokenIds = scratch.create(ids);
    positions = scratch.create(pos);
    kvRows = scratch.create(rows);
    lastRows = scratch.create(last.stream().mapToInt(Integer::intValue).toArray());
    List<Integer> decoders = new ArrayList<>();
    List<Integer> prefills = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      if (spans[i] > 0) {
        (spans[i] == 1 ? decoders : prefills).add(i);
      }
    }
    groups = new ArrayList<>(2);
    int[] outRow = new int[t];
    int offset = 0;
    for (List<Integer> kind : List.of(decoders, prefills)) {
      for (List<Integer> members : bounded(batch, kind, heads, maxGroupScores)) {
        groups.add(group(batch, members, scratch, outRow, offset));
        Group g = groups.get(groups.size() - 1);
        offset += g.b() * g.c();
      }
    }
    boolean identity =
        groups.size() == 1 && groups.get(0).c() * groups.get(0).b() == t && inOrder(outRow);
    gatherOut = identity ? null : scratch.create(outRow);
  }

  /**
   * {@code kind} split into groups whose padded scores ({@code heads × b × c × l}) stay within
   * {@code maxGroupScores}, longest context first so members of a group pad little; a member that
   * alone exceeds the bound is a group of its own.
   */
  private List<List<Integer>> bounded(
      List<ActiveRequest> batch, List<Integer> kind, int heads, long maxGroupScores) {
    if (kind.isEmpty()) {
      return List.of();
    }
    long c = 0;
    long l = 0;
    for (int i : kind) {
      c = Math.max(c, spans[i]);
      l = Math.max(l, roundUp(batch.get(i).position() + spans[i]));
    }
    if (heads * kind.size() * c * l <= maxGroupScores) {
      return List.of(kind);
    }
    List<Integer> sorted = new ArrayList<>(kind);
    sorted.sort(
        Comparator.comparingInt((Integer i) -> batch.get(i).position() + spans[i]).reversed());
    List<List<Integer>> out = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    c = 0;
    l = 0;
    for (int i : sorted) {
      long ci = Math.max(c, spans[i]);
      long li = Math.max(l, roundUp(batch.get(i).position() + spans[i]));
      if (!current.isEmpty() && heads * (current.size() + 1L) * ci * li > maxGroupScores) {
        out.add(current);
        current = new ArrayList<>();
        ci = spans[i];
        li = roundUp(batch.get(i).position() + spans[i]);
      }
      current.add(i);
      c = ci;
      l = li;
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private static long roundUp(int positions) {
    return (long) (positions + KvPool.BLOCK - 1) / KvPool.BLOCK * KvPool.BLOCK;
  }

  private static boolean inOrder(int[] outRow) {
    for (int i = 0; i < outRow.length; i++) {
      if (outRow[i] != i) {
        return false;
      }
    }
    return true;
  }

  /**
   * The padded group of {@code members}: query {@code q} of member {@code m} attends key {@code k}
   * iff {@code k <= its position}; padding queries attend key 0 only (their outputs are dropped),
   * padding keys nothing. Fills {@code outRow} for the members' tokens.
   */
  private Group group(
      List<ActiveRequest> batch,
      List<Integer> members,
      NDManager scratch,
      int[] outRow,
      int offset) {
    int n = members.size();
    int c = 0;
    int blocks = 0;
    for (int i : members) {
      c = Math.max(c, spans[i]);
      blocks =
          Math.max(blocks, (batch.get(i).position() + spans[i] + KvPool.BLOCK - 1) / KvPool.BLOCK);
    }
    int l = blocks * KvPool.BLOCK;
    int[] queries = new int[n * c];
    int[] keys = new int[n * blocks];
    float[] mask = new float[n * c * l];
    for (int m = 0; m < n; m++) {
      int i = members.get(m);
      ActiveRequest r = batch.get(i);
      int context = r.position() + spans[i];
      for (int b = 0; b * KvPool.BLOCK < context; b++) {
        keys[m * blocks + b] = r.block(b * KvPool.BLOCK);
      }
      for (int q = 0; q < c; q++) {
        boolean real = q < spans[i];
        queries[m * c + q] = real ? firstRow[i] + q : firstRow[i];
        if (real) {
          outRow[firstRow[i] + q] = offset + m * c + q;
        }
        int visible = real ? r.position() + q + 1 : 1;
        Arrays.fill(mask, (m * c + q) * l + visible, (m * c + q + 1) * l, Float.NEGATIVE_INFINITY);
      }
    }
    return new Group(
        n,
        c,
        l,
        scratch.create(queries),
        scratch.create(keys),
        scratch.create(mask, new Shape(1, n, 1, c, l)));
  }
}
