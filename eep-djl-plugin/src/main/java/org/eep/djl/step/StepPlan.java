package org.eep.djl.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one step computes on this rank, decided on the host once and used by every layer: each
 * request's span of positions, the step's tokens in request order (ids, positions, KV rows), and
 * for attention the requests in at most two groups, decoders (one position) and prefills (a chunk),
 * each padded to its longest span and context with a mask, so attention is a fixed number of tensor
 * operations per group whatever the batch. Its index tensors live in the step's scratch.
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

  StepPlan(List<ActiveRequest> batch, int chunk, NDManager scratch) {
    int b = batch.size();
    spans = new int[b];
    produces = new boolean[b];
    firstRow = new int[b];
    int t = 0;
    for (int i = 0; i < b; i++) {
      spans[i] = batch.get(i).span(chunk);
      produces[i] = batch.get(i).producesToken(spans[i]);
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
      (spans[i] == 1 ? decoders : prefills).add(i);
    }
    groups = new ArrayList<>(2);
    int[] outRow = new int[t];
    int offset = 0;
    for (List<Integer> members : List.of(decoders, prefills)) {
      if (!members.isEmpty()) {
        groups.add(group(batch, members, scratch, outRow, offset));
        Group g = groups.get(groups.size() - 1);
        offset += g.b() * g.c();
      }
    }
    boolean identity =
        groups.size() == 1 && groups.get(0).c() * groups.get(0).b() == t && inOrder(outRow);
    gatherOut = identity ? null : scratch.create(outRow);
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
