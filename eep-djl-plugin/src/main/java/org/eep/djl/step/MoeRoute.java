package org.eep.djl.step;

import java.util.Arrays;

/**
 * Where one MoE layer sends each (token, choice) of a rank's step: per destination rank the token
 * rows it gets and the local slot of each, and for every choice its place among the outputs that
 * come back (this rank's own first, then each other rank's in ascending order), or nothing when the
 * choice was dropped. Host-side ints only. Used by the rank thread.
 */
final class MoeRoute {
  private final int tokens;
  private final int k;
  private final int[][] rows;
  private final int[][] slots;
  private final int[] counts;
  private final int[] destination;
  private final int[] index;
  private boolean dropped;

  MoeRoute(int ranks, int tokens, int k) {
    this.tokens = tokens;
    this.k = k;
    this.rows = new int[ranks][tokens * k];
    this.slots = new int[ranks][tokens * k];
    this.counts = new int[ranks];
    this.destination = new int[tokens * k];
    this.index = new int[tokens * k];
    Arrays.fill(destination, -1);
  }

  /**
   * Sends choice {@code choice} of token row {@code row} to local slot {@code slot} of rank {@code
   * to}.
   */
  void add(int row, int choice, int to, int slot) {
    int n = counts[to]++;
    rows[to][n] = row;
    slots[to][n] = slot;
    destination[row * k + choice] = to;
    index[row * k + choice] = n;
  }

  int count(int rank) {
    return counts[rank];
  }

  /** The token rows sent to {@code rank}, in order. */
  int[] rows(int rank) {
    return Arrays.copyOf(rows[rank], counts[rank]);
  }

  /** The local slot (of {@code rank}) of each row sent there. */
  int[] slots(int rank) {
    return Arrays.copyOf(slots[rank], counts[rank]);
  }

  /** True if some choice has no destination. */
  boolean dropped() {
    for (int d : destination) {
      if (d < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * For choice {@code row × k + j}, its row among the returned outputs of {@code self}'s layout
   * (own outputs first, then every other rank's in ascending order), or the total (a zero row
   * appended after them) when dropped.
   */
  int[] outputRows(int self) {
    int[] offset = new int[counts.length];
    int at = counts[self];
    for (int r = 0; r < counts.length; r++) {
      if (r != self) {
        offset[r] = at;
        at += counts[r];
      }
    }
    int[] out = new int[tokens * k];
    for (int a = 0; a < out.length; a++) {
      out[a] = destination[a] < 0 ? at : offset[destination[a]] + index[a];
    }
    return out;
  }

  /** 1 for a kept choice, 0 for a dropped one, {@code [tokens × k]}. */
  float[] keptMask() {
    float[] m = new float[tokens * k];
    for (int a = 0; a < m.length; a++) {
      m[a] = destination[a] < 0 ? 0 : 1;
    }
    return m;
  }

  /** 1 for a token with a dropped choice, else 0, {@code [tokens]}. */
  float[] droppedTokens() {
    float[] m = new float[tokens];
    for (int a = 0; a < destination.length; a++) {
      if (destination[a] < 0) {
        m[a / k] = 1;
      }
    }
    return m;
  }
}
