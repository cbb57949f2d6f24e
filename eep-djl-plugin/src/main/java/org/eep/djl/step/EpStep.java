package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eep.api.comm.Phase;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.wire.CombineCodec;
import org.eep.djl.wire.DispatchCodec;

/**
 * One step of one rank over all of its requests at once: decode requests advance one position,
 * prefill requests (new, or re-queued with the tokens already emitted) a chunk of up to {@code
 * eep_prefill_chunk} positions, in the same step. Per layer: batched attention over the rank's
 * tokens ({@link Attention}), then the MoE layer: router → top-k → a replica of each chosen expert
 * on an active rank (read only through the {@link RoutingTable}) → dispatch to every active peer
 * (empty messages included) → the local slots' experts on every row routed to them ({@link
 * ExpertStore#compute}) → combine back → the weighted sum over the k choices in top-k order, so the
 * result does not depend on which replica or rank computed what. Tensors stay on the rank's device;
 * the host sees only token ids, routing choices and index lists. Runs on the rank thread; allocates
 * only in the per-step scratch manager.
 */
public final class EpStep {
  private static final ByteBuffer NO_CONTROL = ByteBuffer.allocate(0);

  private final MoeConfig config;
  private final StepWeights weights;
  private final ExpertStore experts;
  private final RoutingTable routing;
  private final KvPool kv;
  private final RopeTables rope;
  private final Attention attention;
  private final int rank;
  private final int slotsPerRank;
  private final boolean dropUncovered;
  private final StepBudget budget;
  private final StepTimings timings;
  private final StepControl control;

  /**
   * {@code dropUncovered}: drop experts without a replica from top-k (else refuse the request);
   * {@code budget}: how many positions a request and the whole step advance; {@code control}: what
   * rides along with the step's first exchange.
   */
  public EpStep(
      MoeConfig config,
      StepWeights weights,
      ExpertStore experts,
      RoutingTable routing,
      KvPool kv,
      RopeTables rope,
      int rank,
      int slotsPerRank,
      boolean dropUncovered,
      StepBudget budget,
      StepTimings timings,
      StepControl control) {
    this.config = requireNonNull(config, "config is null");
    this.weights = requireNonNull(weights, "weights is null");
    this.experts = requireNonNull(experts, "experts is null");
    this.routing = requireNonNull(routing, "routing is null");
    this.kv = requireNonNull(kv, "kv is null");
    this.rope = requireNonNull(rope, "rope is null");
    this.attention = new Attention(config, weights, kv);
    this.rank = rank;
    this.slotsPerRank = slotsPerRank;
    this.dropUncovered = dropUncovered;
    this.budget = requireNonNull(budget, "budget is null");
    this.timings = requireNonNull(timings, "timings is null");
    this.control = requireNonNull(control, "control is null");
  }

  /** How many positions a request and the whole step advance. */
  public StepBudget budget() {
    return budget;
  }

  /**
   * Runs step {@code step} of epoch {@code epoch} for {@code batch} with {@code peers} (active
   * ranks other than this one, ascending); the outcomes are in batch order. A rank with an empty
   * batch still takes part in every exchange.
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
    StepPlan plan = new StepPlan(batch, budget, config.numHeads(), scratch);
    int t = plan.tokens;
    int h = config.hiddenSize();
    boolean[] degraded = new boolean[batch.size()];
    String[] refused = new String[batch.size()];
    NDArray hidden = null;
    NDArray cos = null;
    NDArray sin = null;
    if (t > 0) {
      hidden = weights.embed().get(scratch, new NDIndex("{}", plan.tokenIds));
      cos =
          rope.cos()
              .get(scratch, new NDIndex("{}", plan.positions))
              .reshape(t, 1, config.headDim());
      sin =
          rope.sin()
              .get(scratch, new NDIndex("{}", plan.positions))
              .reshape(t, 1, config.headDim());
    }
    for (int layer = 0; layer < config.numLayers(); layer++) {
      ExchangePoint at = new ExchangePoint(epoch, step, layer);
      long t0 = System.nanoTime();
      StepWeights.Layer w = weights.layer(layer);
      NDArray residual = null;
      NDArray moeIn = null;
      NDArray gates = null;
      int[] chosen = new int[0];
      if (t > 0) {
        NDArray normed = Kernels.rmsNorm(hidden, w.inputNorm(), config.rmsNormEps());
        residual = hidden.add(attention.forward(layer, normed, plan, cos, sin));
        moeIn = Kernels.rmsNorm(residual, w.postNorm(), config.rmsNormEps());
        NDList top = moeIn.matMul(w.router()).softmax(-1).topK(config.topK(), -1, true, true);
        gates = top.get(0);
        if (config.normTopkProb()) {
          gates = gates.div(gates.sum(new int[] {-1}, true));
        }
        chosen = top.get(1).toType(DataType.INT32, false).toIntArray();
        control.routed(layer, chosen);
      }
      MoeRoute route = route(batch, plan, layer, chosen, degraded, refused);
      long t1 = System.nanoTime();
      NDArray sent = moeIn;
      ByteBuffer word = layer == 0 ? control.outgoing(step) : NO_CONTROL;
      exchange.sendAll(
          at,
          Phase.DISPATCH,
          peers,
          peer ->
              DispatchCodec.encode(route.slots(peer), rows(sent, route.rows(peer), scratch), word));
      NDList inputs = new NDList();
      List<int[]> inputSlots = new ArrayList<>();
      if (route.count(rank) > 0) {
        inputs.add(rows(moeIn, route.rows(rank), scratch));
        inputSlots.add(route.slots(rank));
      }
      int[] received = new int[peers.length];
      for (int p = 0; p < peers.length; p++) {
        DispatchCodec.Rows in =
            DispatchCodec.decode(exchange.receive(at, Phase.DISPATCH, peers[p]), h, scratch);
        received[p] = in.slots().length;
        if (layer == 0) {
          control.received(step, peers[p], in.control());
        }
        if (in.rows() != null) {
          inputs.add(in.rows());
          inputSlots.add(in.slots());
        }
      }
      long t2 = System.nanoTime();
      int[] slotsOfRows = concatInts(inputSlots);
      timings.addExpertWork(distinct(slotsOfRows), slotsOfRows.length);
      NDArray computed =
          inputs.isEmpty() ? null : experts.compute(layer, concat(inputs), slotsOfRows);
      long t3 = System.nanoTime();
      int local = route.count(rank);
      int[] offsets = new int[peers.length];
      int offset = local;
      for (int p = 0; p < peers.length; p++) {
        offsets[p] = offset;
        offset += received[p];
      }
      exchange.sendAll(
          at,
          Phase.COMBINE,
          peers,
          peer -> {
            int p = indexOf(peers, peer);
            return CombineCodec.encode(
                slice(computed, offsets[p], received[p], scratch), received[p]);
          });
      NDList outputs = new NDList();
      if (local > 0) {
        outputs.add(slice(computed, 0, local, scratch));
      }
      for (int peer : peers) {
        NDArray back =
            CombineCodec.decode(
                exchange.receive(at, Phase.COMBINE, peer), route.count(peer), h, scratch);
        if (back != null) {
          outputs.add(back);
        }
      }
      long t4 = System.nanoTime();
      if (t > 0) {
        hidden = residual.add(combine(scratch, outputs, route, gates, t));
      }
      timings.add(t1 - t0 + (System.nanoTime() - t4), t2 - t1 + (t4 - t3), t3 - t2);
    }
    timings.addStep();
    return outcomes(scratch, plan, hidden, degraded, refused, keepLogits);
  }

  /**
   * Chooses a replica for each token's each choice and buckets the rows by destination rank. A
   * choice without a replica is dropped from top-k and its request marked degraded (weights
   * renormalised in {@link #combine}), or refuses the request, by {@code dropUncovered}.
   */
  private MoeRoute route(
      List<ActiveRequest> batch,
      StepPlan plan,
      int layer,
      int[] chosen,
      boolean[] degraded,
      String[] refused) {
    int k = config.topK();
    MoeRoute route = new MoeRoute(routing.maxRanks(), plan.tokens, k);
    for (int row = 0; row < plan.tokens; row++) {
      int i = plan.tokenOwner[row];
      ActiveRequest r = batch.get(i);
      int pos = r.position() + row - plan.firstRow[i];
      for (int j = 0; j < k; j++) {
        int e = chosen[row * k + j];
        int c = routing.column(layer, e);
        int n = routing.count(c);
        if (n == 0) {
          if (dropUncovered) {
            degraded[i] = true;
          } else if (refused[i] == null) {
            refused[i] =
                "logical expert " + e + " has no replica on an active rank (coverage lost)";
          }
          continue;
        }
        int physical = routing.replica(c, spread(r, pos, j, layer, n));
        route.add(row, j, physical / slotsPerRank, physical % slotsPerRank);
      }
    }
    return route;
  }

  /**
   * The MoE output {@code [T, h]}: every choice's output gathered into {@code [T, k, h]} (a zero
   * row for a dropped choice), times its gate weight, summed over the k choices in top-k order.
   */
  private NDArray combine(NDManager scratch, NDList outputs, MoeRoute route, NDArray gates, int t) {
    int k = config.topK();
    int h = config.hiddenSize();
    outputs.add(scratch.zeros(new Shape(1, h)));
    NDArray all = NDArrays.concat(outputs, 0);
    NDArray picked = all.get(scratch.create(route.outputRows(rank))).reshape(t, k, h);
    NDArray w = gates;
    if (route.dropped()) {
      // Renormalise only the tokens that lost a choice: the others are divided by exactly 1.
      w = w.mul(scratch.create(route.keptMask(), new Shape(t, k)));
      NDArray hit = scratch.create(route.droppedTokens(), new Shape(t, 1));
      NDArray sum = w.sum(new int[] {-1}, true).maximum(Float.MIN_NORMAL);
      w = w.div(sum.mul(hit).add(hit.neg().add(1)));
    }
    return picked.mul(w.expandDims(-1)).sum(new int[] {1});
  }

  private List<RequestOutcome> outcomes(
      NDManager scratch,
      StepPlan plan,
      NDArray hidden,
      boolean[] degraded,
      String[] refused,
      boolean keepLogits) {
    int b = plan.spans.length;
    List<RequestOutcome> out = new ArrayList<>(b);
    long[] best = new long[0];
    float[] all = null;
    if (plan.tokens > 0 && plan.lastRows.size() > 0) {
      NDArray last = hidden.get(plan.lastRows);
      NDArray logits =
          Kernels.rmsNorm(last, weights.finalNorm(), config.rmsNormEps()).matMul(weights.lmHead());
      best = logits.argMax(1).toLongArray();
      all = keepLogits ? logits.toFloatArray() : null;
    }
    int v = config.vocabSize();
    int produced = 0;
    for (int i = 0; i < b; i++) {
      if (refused[i] != null) {
        out.add(new RequestOutcome.Refused(refused[i]));
        if (plan.produces[i]) {
          produced++;
        }
      } else if (plan.produces[i]) {
        float[] row =
            all == null ? null : Arrays.copyOfRange(all, produced * v, (produced + 1) * v);
        out.add(new RequestOutcome.Produced(plan.spans[i], (int) best[produced], degraded[i], row));
        produced++;
      } else {
        out.add(new RequestOutcome.Prefilled(plan.spans[i], degraded[i]));
      }
    }
    return out;
  }

  /** Spreads a request's tokens over an expert's replicas; any replica gives the same numbers. */
  private static int spread(ActiveRequest r, int position, int choice, int layer, int replicas) {
    int hash = r.state().request().id().hashCode() * 31 + position * 7 + choice * 13 + layer;
    return Math.floorMod(hash, replicas);
  }

  private static NDArray rows(NDArray x, int[] rows, NDManager scratch) {
    return rows.length == 0 ? null : x.get(scratch.create(rows));
  }

  private static NDArray slice(NDArray x, int from, int count, NDManager scratch) {
    return count == 0 ? null : x.get(new NDIndex().addSliceDim(from, from + count));
  }

  private static NDArray concat(NDList parts) {
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
  }

  private static int[] concatInts(List<int[]> parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static int distinct(int[] slots) {
    return (int) Arrays.stream(slots).distinct().count();
  }

  private static int indexOf(int[] peers, int peer) {
    for (int p = 0; p < peers.length; p++) {
      if (peers[p] == peer) {
        return p;
      }
    }
    throw new IllegalArgumentException("rank " + peer + " is not a peer of this step");
  }
}
