package org.eep.server.instance;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.djl.frontend.Router;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.metrics.RankMetrics;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.server.rank.RankStatus;

/** Every rank a thread of this JVM ({@link EpCluster}), on the {@code local} transport. */
final class InProcessInstance implements ServedInstance {
  private final EpCluster cluster;
  private final NDManager manager;
  private final EepConfig config;
  private final MoeConfig model;

  private InProcessInstance(
      EpCluster cluster, NDManager manager, EepConfig config, MoeConfig model) {
    this.cluster = cluster;
    this.manager = manager;
    this.config = config;
    this.model = model;
  }

  static InProcessInstance start(EepConfig config, Path model) throws InterruptedException {
    NDManager manager = NDManager.newBaseManager();
    try {
      EpCluster cluster = EpCluster.start(new EepModule(config, model, manager));
      return new InProcessInstance(cluster, manager, config, MoeConfig.read(model));
    } catch (RuntimeException | InterruptedException e) {
      manager.close();
      throw e;
    }
  }

  @Override
  public CompletableFuture<GenerationResult> submit(
      GenerationRequest request, TokenListener listener) {
    return cluster.submit(request, listener);
  }

  @Override
  public MembershipView view() {
    return cluster.view();
  }

  @Override
  public Router router() {
    return cluster.router();
  }

  @Override
  public MoeConfig model() {
    return model;
  }

  @Override
  public EepConfig config() {
    return config;
  }

  @Override
  public int size() {
    return cluster.size();
  }

  @Override
  public String describe() {
    return cluster.size() + " ranks as threads of this JVM (transport local, membership local)";
  }

  @Override
  public JsonObject rankStatus(int r) {
    return RankStatus.of(requireNonNull(cluster.rank(r), "rank is null"));
  }

  @Override
  public int[] missingWithout(int r) {
    return cluster.missingWithout(r).stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public void drain(int r) {
    cluster.drain(r);
  }

  @Override
  public void rejoin(int r) {
    cluster.restart(r);
  }

  @Override
  public boolean rebalance() {
    return cluster.rebalance();
  }

  @Override
  public MeterBinder metrics() {
    return new RankMetrics(cluster);
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } finally {
      manager.close();
    }
  }
}
