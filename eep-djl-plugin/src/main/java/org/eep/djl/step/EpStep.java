package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eep.api.comm.Phase;
import org.eep.djl.model.DenseWeights;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.MoeMath;
import org.eep.djl.wire.CombineCodec;
import org.eep.djl.wire.DispatchCodec;
import org.eep.djl.wire.Row;

/**
 * One decode step of one rank: data-parallel attention over its own requests, then per MoE layer
 * router → top-k → replica choice on active ranks → dispatch to every active peer (empty messages
 * included) → local experts batched per slot → combine back → weighted sum in top-k order, so the
 * result does not depend on arrival order. Reads membership and placement only through the {@link
 * RoutingTable}. Runs on the rank thread; allocates only in a per-step scratch manager.
 */
public final class EpStep {
  private final MoeConfig config;
  private final DenseWeights dense;
  private final ExpertStore experts;
  private final RoutingTable routing;
  private final int rank;
  private final int slotsPerRank;
  private final boolean dropUncovered;
  private final StepTimings timings;

  /** {@code dropUncovered}: drop experts without a replica from top-k (else refuse the request). */
  public EpStep(
      MoeConfig config,
      DenseWeights dense,
      ExpertStore experts,
      RoutingTable routing,
      int rank,
      int slotsPerRank,
      boolean dropUncovered,
      StepTimings timings) {
    this.config = requireNonNull(config, "config is null");
    this.dense = requireNonNull(dense, "dense is null");
    this.experts = requireNonNull(experts, "experts is null");
    this.routing = requireNonNull(routing, "routing is null");
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.dropUncovered = dropUncovered;
    this.timings = requireNonNull(timings, "timings is null");
  }

  /** A token of a local slot's batch: where it came from and its hidden row. */
  private record Incoming(int source, Row row, float[] data, int offset) {}

  /**
   * Runs step {@code step} of epoch {@code epoch} for {@code batch} with {@code peers} (active
   * ranks other than this one, ascending). Every request in the batch computes its current
   * position; the outcomes are in batch order.
   */
  public List<RequestOutcome> run(
      NDManager scratch,
      List<ActiveRequest> batch,
      int[] peers,
      long epoch,
      long step,
      Exchange exchange,
      boolean keepLogits)
      throws InterruptedException {
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
      ExchangePoint at = new ExchangePoint(epoch, step, layer);
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
          attn.add(
              MoeMath.attention(
                  config, w, normed.get(i).reshape(1, h), r.cache().layer(layer), r.position()));
        }
        residual = hidden.add(NDArrays.concat(attn, 0));
        NDArray m = MoeMath.rmsNorm(residual, w.postNorm(), config.rmsNormEps());
        NDList routed = MoeMath.route(config, m, w.router());
        moeIn = m.toFloatArray();
        gateWeights = routed.get(0).toFloatArray();
        chosen = routed.get(1).toIntArray();
      }
      List<List<Row>> toRank = route(batch, layer, chosen, gateWeights, degraded, refused);
      long t1 = System.nanoTime();
      float[] dispatched = moeIn;
      exchange.sendAll(
          at, Phase.DISPATCH, peers, peer -> DispatchCodec.encode(toRank.get(peer), dispatched, h));
      List<Incoming> incoming = new ArrayList<>();
      for (Row row : toRank.get(rank)) {
        incoming.add(new Incoming(rank, row, moeIn, row.token() * h));
      }
      for (int peer : peers) {
        DispatchCodec.decode(
            exchange.receive(at, Phase.DISPATCH, peer),
            h,
            (row, data) -> incoming.add(new Incoming(peer, row, data, 0)));
      }
      long t2 = System.nanoTime();
      float[][] results = computeExperts(scratch, layer, incoming, h);
      long t3 = System.nanoTime();
      exchange.sendAll(
          at, Phase.COMBINE, peers, peer -> combinePayload(peer, incoming, results, h));
      float[] outputs = new float[b * k * h];
      for (int n = 0; n < incoming.size(); n++) {
        Incoming in = incoming.get(n);
        if (in.source == rank) {
          System.arraycopy(results[n], 0, outputs, (in.row.token() * k + in.row.choice()) * h, h);
        }
      }
      for (int peer : peers) {
        CombineCodec.decode(exchange.receive(at, Phase.COMBINE, peer), h, k, outputs);
      }
      long t4 = System.nanoTime();
      if (b > 0) {
        NDArray outs = scratch.create(outputs, new Shape(b, k, h));
        NDArray weights = scratch.create(gateWeights, new Shape(b, k));
        hidden = residual.add(MoeMath.combine(outs, weights));
      }
      timings.add(t1 - t0 + (System.nanoTime() - t4), t2 - t1 + (t4 - t3), t3 - t2);
    }
    return outcomes(hidden, b, degraded, refused, keepLogits);
  }

  /**
   * Chooses a replica for each (token, choice) and buckets the rows by destination rank. A choice
   * without a replica is dropped from top-k and its token marked degraded (weights renormalised),
   * or refuses the token's request, by {@code dropUncovered}.
   */
  private List<List<Row>> route(
      List<ActiveRequest> batch,
      int layer,
      int[] chosen,
      float[] gateWeights,
      boolean[] degraded,
      String[] refused) {
    int k = config.topK();
    List<List<Row>> toRank = new ArrayList<>();
    for (int r = 0; r < routing.maxRanks(); r++) {
      toRank.add(new ArrayList<>());
    }
    for (int i = 0; i < batch.size(); i++) {
      double kept = 0;
      for (int j = 0; j < k; j++) {
        int e = chosen[i * k + j];
        int n = routing.count(e);
        if (n == 0) {
          if (dropUncovered) {
            degraded[i] = true;
          } else if (refused[i] == null) {
            refused[i] =
                "logical expert " + e + " has no replica on an active rank (coverage lost)";
          }
          gateWeights[i * k + j] = 0;
          continue;
        }
        kept += gateWeights[i * k + j];
        int physical = routing.replica(e, spread(batch.get(i), j, layer, n));
        toRank.get(physical / slotsPerRank).add(new Row(i, j, physical % slotsPerRank));
      }
      if (degraded[i] && kept > 0) {
        for (int j = 0; j < k; j++) {
          gateWeights[i * k + j] /= (float) kept;
        }
      }
    }
    return toRank;
  }

  private List<RequestOutcome> outcomes(
      NDArray hidden, int b, boolean[] degraded, String[] refused, boolean keepLogits) {
    List<RequestOutcome> out = new ArrayList<>(b);
    if (b == 0) {
      return out;
    }
    NDArray lg = MoeMath.logits(config, dense, hidden);
    long[] best = lg.argMax(1).toLongArray();
    float[] all = keepLogits ? lg.toFloatArray() : null;
    int v = config.vocabSize();
    for (int i = 0; i < b; i++) {
      if (refused[i] != null) {
        out.add(new RequestOutcome.Refused(refused[i]));
      } else {
        out.add(
            new RequestOutcome.Produced(
                (int) best[i],
                degraded[i],
                all == null ? null : Arrays.copyOfRange(all, i * v, (i + 1) * v)));
      }
    }
    return out;
  }

  /** Spreads a request's tokens over an expert's replicas; any replica gives the same numbers. */
  private static int spread(ActiveRequest r, int choice, int layer, int replicas) {
    int hash = r.state().request().id().hashCode() * 31 + r.position() * 7 + choice * 13 + layer;
    return Math.floorMod(hash, replicas);
  }

  private float[][] computeExperts(NDManager scratch, int layer, List<Incoming> incoming, int h) {
    float[][] results = new float[incoming.size()][];
    List<List<Integer>> bySlot = new ArrayList<>();
    for (int s = 0; s < experts.slots(); s++) {
      bySlot.add(new ArrayList<>());
    }
    for (int n = 0; n < incoming.size(); n++) {
      bySlot.get(incoming.get(n).row.slot()).add(n);
    }
    for (int s = 0; s < experts.slots(); s++) {
      List<Integer> rows = bySlot.get(s);
      if (rows.isEmpty()) {
        continue;
      }
      float[] x = new float[rows.size() * h];
      for (int i = 0; i < rows.size(); i++) {
        Incoming in = incoming.get(rows.get(i));
        System.arraycopy(in.data, in.offset, x, i * h, h);
      }
      float[] y =
          experts.compute(layer, s, scratch.create(x, new Shape(rows.size(), h))).toFloatArray();
      for (int i = 0; i < rows.size(); i++) {
        results[rows.get(i)] = Arrays.copyOfRange(y, i * h, (i + 1) * h);
      }
    }
    return results;
  }

  private static ByteBuffer combinePayload(
      int peer, List<Incoming> incoming, float[][] results, int h) {
    List<Row> rows = new ArrayList<>();
    List<float[]> outputs = new ArrayList<>();
    for (int n = 0; n < incoming.size(); n++) {
      if (incoming.get(n).source == peer) {
        rows.add(incoming.get(n).row);
        outputs.add(results[n]);
      }
    }
    return CombineCodec.encode(rows, outputs, h);
  }
}
