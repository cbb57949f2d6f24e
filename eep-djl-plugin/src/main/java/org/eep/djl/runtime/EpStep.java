package org.eep.djl.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.MoeMath;

/**
 * One decode step of one rank: data-parallel attention over its own requests, then per MoE layer
 * router → top-k → replica choice on active ranks → dispatch to every active peer (empty messages
 * included) → local experts batched per slot → combine back → weighted sum in top-k order, so the
 * result does not depend on arrival order. Reads membership and placement only through the
 * {@link RoutingTable}. Runs on the rank thread; allocates only in a per-step scratch manager.
 */
final class EpStep {
  /** How the step talks to peers; the runtime adds deadlines, evidence and epoch checks. */
  interface Exchange {
    void send(int peer, MessageHeader header, ByteBuffer payload);

    Message receive(MessageKey key) throws InterruptedException;
  }

  /** What the step produced for each request of the batch. */
  record Outcome(int[] tokens, boolean[] degraded, String[] refused, float[][] logits) {}

  private final MoeConfig config;
  private final DenseWeights dense;
  private final ExpertStore experts;
  private final RoutingTable routing;
  private final int rank;
  private final int slotsPerRank;
  private final boolean dropUncovered;
  private final StepHooks hooks;
  private final StepTimings timings;

  EpStep(MoeConfig config, DenseWeights dense, ExpertStore experts, RoutingTable routing, int rank, int slotsPerRank,
      boolean dropUncovered, StepHooks hooks, StepTimings timings) {
    this.config = config;
    this.dense = dense;
    this.experts = experts;
    this.routing = routing;
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.dropUncovered = dropUncovered;
    this.hooks = hooks;
    this.timings = timings;
  }

  /**
   * Runs step {@code step} for {@code batch} with {@code peers} (active ranks other than this one,
   * ascending). Every request in the batch computes its current position.
   */
  Outcome run(NDManager scratch, List<ActiveRequest> batch, int[] peers, long epoch, long incarnation, long step,
      Exchange exchange, boolean keepLogits) throws InterruptedException {
    int b = batch.size();
    int h = config.hiddenSize();
    int k = config.topK();
    boolean[] degraded = new boolean[b];
    String[] refused = new String[b];
    NDArray hidden = null;
    if (b > 0) {
      int[] inputs = new int[b];
      for (int i = 0; i < b; i++) {
        inputs[i] = batch.get(i).input();
        batch.get(i).open(config, scratch.getParentManager());
      }
      hidden = MoeMath.embed(dense, inputs);
      hidden.attach(scratch);
    }
    for (int layer = 0; layer < config.numLayers(); layer++) {
      long t0 = System.nanoTime();
      DenseWeights.LayerWeights w = dense.layers()[layer];
      float[] moeIn = new float[0];
      float[] gateWeights = new float[0];
      int[] chosen = new int[0];
      NDArray residual = null;
      if (b > 0) {
        NDList attn = new NDList(b);
        NDArray normed = MoeMath.rmsNorm(hidden, w.inputNorm(), config.rmsNormEps());
        for (int i = 0; i < b; i++) {
          ActiveRequest r = batch.get(i);
          attn.add(MoeMath.attention(config, w, normed.get(i).reshape(1, h), r.cache().layer(layer), r.position()));
        }
        residual = hidden.add(NDArrays.concat(attn, 0));
        NDArray m = MoeMath.rmsNorm(residual, w.postNorm(), config.rmsNormEps());
        NDList routed = MoeMath.route(config, m, w.router());
        moeIn = m.toFloatArray();
        gateWeights = routed.get(0).toFloatArray();
        chosen = routed.get(1).toIntArray();
      }
      // Replica choice and per-destination buckets.
      List<List<int[]>> toRank = new ArrayList<>();
      for (int r = 0; r < routing.maxRanks(); r++) {
        toRank.add(new ArrayList<>());
      }
      for (int i = 0; i < b; i++) {
        double kept = 0;
        for (int j = 0; j < k; j++) {
          int e = chosen[i * k + j];
          int n = routing.count(e);
          if (n == 0) {
            if (dropUncovered) {
              degraded[i] = true;
            } else if (refused[i] == null) {
              refused[i] = "logical expert " + e + " has no replica on an active rank (coverage lost)";
            }
            gateWeights[i * k + j] = 0;
            continue;
          }
          kept += gateWeights[i * k + j];
          int physical = routing.replica(e, spread(batch.get(i), j, layer, n));
          toRank.get(physical / slotsPerRank).add(new int[] {i, j, physical % slotsPerRank});
        }
        if (degraded[i] && kept > 0) {
          for (int j = 0; j < k; j++) {
            gateWeights[i * k + j] /= (float) kept;
          }
        }
      }
      long t1 = System.nanoTime();
      // Dispatch.
      for (int pi = 0; pi < peers.length; pi++) {
        if (pi == peers.length / 2) {
          hooks.at(StepHooks.Point.MID_DISPATCH, rank, step, layer);
        }
        int peer = peers[pi];
        exchange.send(peer, header(incarnation, epoch, step, layer, Phase.DISPATCH), encodeDispatch(toRank.get(peer), moeIn, h));
      }
      if (peers.length < 2) {
        hooks.at(StepHooks.Point.MID_DISPATCH, rank, step, layer);
      }
      List<Incoming> incoming = new ArrayList<>();
      for (int[] item : toRank.get(rank)) {
        incoming.add(new Incoming(rank, item[0], item[1], item[2], moeIn, item[0] * h));
      }
      for (int peer : peers) {
        ByteBuffer p = exchange.receive(new MessageKey(peer, epoch, step, layer, Phase.DISPATCH, 0)).payload().order(ByteOrder.LITTLE_ENDIAN);
        decodeDispatch(peer, p, h, incoming);
      }
      long t2 = System.nanoTime();
      // Local experts, batched per slot.
      float[][] results = computeExperts(scratch, layer, incoming, h);
      long t3 = System.nanoTime();
      // Combine.
      float[] outputs = new float[b * k * h];
      for (int pi = 0; pi < peers.length; pi++) {
        if (pi == peers.length / 2) {
          hooks.at(StepHooks.Point.MID_COMBINE, rank, step, layer);
        }
        int peer = peers[pi];
        exchange.send(peer, header(incarnation, epoch, step, layer, Phase.COMBINE), encodeCombine(peer, incoming, results, h));
      }
      if (peers.length < 2) {
        hooks.at(StepHooks.Point.MID_COMBINE, rank, step, layer);
      }
      for (int n = 0; n < incoming.size(); n++) {
        Incoming in = incoming.get(n);
        if (in.source == rank) {
          System.arraycopy(results[n], 0, outputs, (in.token * k + in.choice) * h, h);
        }
      }
      for (int peer : peers) {
        ByteBuffer p = exchange.receive(new MessageKey(peer, epoch, step, layer, Phase.COMBINE, 0)).payload().order(ByteOrder.LITTLE_ENDIAN);
        int count = p.getInt();
        for (int n = 0; n < count; n++) {
          int token = p.getInt();
          int choice = p.getInt();
          p.asFloatBuffer().get(outputs, (token * k + choice) * h, h);
          p.position(p.position() + h * Float.BYTES);
        }
      }
      long t4 = System.nanoTime();
      if (b > 0) {
        NDManager m = scratch;
        NDArray outs = m.create(outputs, new Shape(b, k, h));
        NDArray weights = m.create(gateWeights, new Shape(b, k));
        hidden = residual.add(MoeMath.combine(outs, weights));
      }
      timings.add(t1 - t0 + (System.nanoTime() - t4), t2 - t1 + (t4 - t3), t3 - t2);
    }
    int[] tokens = new int[b];
    float[][] logits = keepLogits ? new float[b][] : null;
    if (b > 0) {
      NDArray lg = MoeMath.logits(config, dense, hidden);
      long[] best = lg.argMax(1).toLongArray();
      for (int i = 0; i < b; i++) {
        tokens[i] = (int) best[i];
      }
      if (keepLogits) {
        float[] all = lg.toFloatArray();
        int v = config.vocabSize();
        for (int i = 0; i < b; i++) {
          logits[i] = java.util.Arrays.copyOfRange(all, i * v, (i + 1) * v);
        }
      }
    }
    return new Outcome(tokens, degraded, refused, logits);
  }

  /** Spreads a request's tokens over an expert's replicas; any replica gives the same numbers. */
  private static int spread(ActiveRequest r, int choice, int layer, int replicas) {
    int hash = r.state.request().id().hashCode() * 31 + r.position() * 7 + choice * 13 + layer;
    return Math.floorMod(hash, replicas);
  }

  private MessageHeader header(long incarnation, long epoch, long step, int layer, Phase phase) {
    return new MessageHeader(rank, incarnation, epoch, step, layer, phase, 0);
  }

  /** A token to run through a local expert slot: where it came from and where its row is. */
  private record Incoming(int source, int token, int choice, int slot, float[] data, int offset) {}

  private static ByteBuffer encodeDispatch(List<int[]> items, float[] moeIn, int h) {
    ByteBuffer buf = ByteBuffer.allocate(4 + items.size() * (12 + h * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(items.size());
    for (int[] it : items) {
      buf.putInt(it[0]).putInt(it[1]).putInt(it[2]);
      buf.asFloatBuffer().put(moeIn, it[0] * h, h);
      buf.position(buf.position() + h * Float.BYTES);
    }
    return buf.flip();
  }

  private static void decodeDispatch(int source, ByteBuffer p, int h, List<Incoming> into) {
    int count = p.getInt();
    for (int n = 0; n < count; n++) {
      int token = p.getInt();
      int choice = p.getInt();
      int slot = p.getInt();
      float[] row = new float[h];
      p.asFloatBuffer().get(row);
      p.position(p.position() + h * Float.BYTES);
      into.add(new Incoming(source, token, choice, slot, row, 0));
    }
  }

  private float[][] computeExperts(NDManager scratch, int layer, List<Incoming> incoming, int h) {
    float[][] results = new float[incoming.size()][];
    int slots = experts.slots();
    List<List<Integer>> bySlot = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      bySlot.add(new ArrayList<>());
    }
    for (int n = 0; n < incoming.size(); n++) {
      bySlot.get(incoming.get(n).slot).add(n);
    }
    for (int s = 0; s < slots; s++) {
      List<Integer> rows = bySlot.get(s);
      if (rows.isEmpty()) {
        continue;
      }
      float[] x = new float[rows.size() * h];
      for (int i = 0; i < rows.size(); i++) {
        Incoming in = incoming.get(rows.get(i));
        System.arraycopy(in.data, in.offset, x, i * h, h);
      }
      NDArray out = experts.compute(layer, s, scratch.create(x, new Shape(rows.size(), h)));
      float[] y = out.toFloatArray();
      for (int i = 0; i < rows.size(); i++) {
        results[rows.get(i)] = java.util.Arrays.copyOfRange(y, i * h, (i + 1) * h);
      }
    }
    return results;
  }

  private static ByteBuffer encodeCombine(int peer, List<Incoming> incoming, float[][] results, int h) {
    int count = 0;
    for (Incoming in : incoming) {
      if (in.source == peer) {
        count++;
      }
    }
    ByteBuffer buf = ByteBuffer.allocate(4 + count * (8 + h * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(count);
    for (int n = 0; n < incoming.size(); n++) {
      Incoming in = incoming.get(n);
      if (in.source == peer) {
        buf.putInt(in.token).putInt(in.choice);
        buf.asFloatBuffer().put(results[n]);
        buf.position(buf.position() + h * Float.BYTES);
      }
    }
    return buf.flip();
  }
}
