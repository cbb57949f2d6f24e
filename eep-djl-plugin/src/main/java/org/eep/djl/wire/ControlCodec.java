package org.eep.djl.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The rebalancing control word a rank sends each peer with a step's first DISPATCH: {@code
 * flags:int8} (bit 0: a rebalance is wanted), {@code staged:int64} (the snapshot whose weights this
 * rank has staged, -1 for none), {@code count:int32, load:int64[count]} (its routed tokens per
 * (layer, expert) at a snapshot step, else count 0); little-endian. An empty payload is {@link
 * Word#NONE}. Stateless.
 */
public final class ControlCodec {
  private static final int HEAD = 1 + Long.BYTES + Integer.BYTES;

  private ControlCodec() {}

  /**
   * One rank's word for one step: whether it wants a rebalance, the snapshot it has staged (-1),
   * and its load counts (empty unless the step takes a snapshot).
   */
  public record Word(boolean wants, long staged, long[] load) {
    public static final Word NONE = new Word(false, -1, new long[0]);

    public Word {
      load = load.clone();
    }

    @Override
    public long[] load() {
      return load.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Word w
          && w.wants == wants
          && w.staged == staged
          && Arrays.equals(w.load, load);
    }

    @Override
    public int hashCode() {
      return Boolean.hashCode(wants) * 31 + Long.hashCode(staged) * 17 + Arrays.hashCode(load);
    }
  }

  public static ByteBuffer encode(Word w) {
    long[] load = w.load();
    ByteBuffer b = ByteBuffer.allocate(HEAD + Long.BYTES * load.length);
    b.order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) (w.wants() ? 1 : 0));
    b.putLong(w.staged());
    b.putInt(load.length);
    for (long l : load) {
      b.putLong(l);
    }
    return b.flip();
  }

  /**
   * Decodes a word made by {@link #encode}; an empty payload is {@link Word#NONE}.
   *
   * @throws IllegalArgumentException if the payload is malformed
   */
  public static Word decode(ByteBuffer payload) {
    ByteBuffer p = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (!p.hasRemaining()) {
      return Word.NONE;
    }
    if (p.remaining() < HEAD) {
      throw new IllegalArgumentException("malformed control word: " + p.remaining() + " bytes");
    }
    boolean wants = (p.get() & 1) != 0;
    long staged = p.getLong();
    int count = p.getInt();
    if (count < 0 || count != p.remaining() / Long.BYTES || p.remaining() % Long.BYTES != 0) {
      throw new IllegalArgumentException(
          "malformed control word: " + count + " loads in " + p.remaining() + " bytes");
    }
    long[] load = new long[count];
    for (int i = 0; i < count; i++) {
      load[i] = p.getLong();
    }
    return new Word(wants, staged, load);
  }
}
