package org.eep.server.instance;

import com.google.gson.JsonObject;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipView;
import org.eep.djl.frontend.Router;
import org.eep.djl.metrics.InstanceMetrics;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.server.launcher.ProcessCluster;

/** Every rank a process of this machine, started and supervised by the launcher. */
final class ProcessInstance implements ServedInstance {
  private final ProcessCluster cluster;
  private final MoeConfig model;
  private final boolean elsewhere;

  private ProcessInstance(ProcessCluster cluster, MoeConfig model, boolean elsewhere) {
    this.cluster = cluster;
    this.model = model;
    this.elsewhere = elsewhere;
  }

  /** Rank processes of this host, started and supervised here. */
  static ProcessInstance start(EepConfig config, Path model, Consumer<String> log)
      throws Exception {
    return new ProcessInstance(
        ProcessCluster.start(config, model, log), MoeConfig.read(model), false);
  }

  /** Ranks started elsewhere, found through the membership. */
  static ProcessInstance attach(EepConfig config, Path model) throws Exception {
    return new ProcessInstance(ProcessCluster.attach(config, model), MoeConfig.read(model), true);
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
    return cluster.config();
  }

  @Override
  public int size() {
    return cluster.size();
  }

  @Override
  public String describe() {
    EepConfig c = cluster.config();
    return cluster.size()
        + (elsewhere ? " ranks started elsewhere" : " rank processes")
        + " over "
        + c.getString(EepKeys.TRANSPORT)
        + ", ZooKeeper at "
        + c.asMap().get("eep_zookeeper_connect");
  }

  @Override
  public JsonObject rankStatus(int r) {
    JsonObject s = cluster.status(r);
    if (s == null) {
      s = new JsonObject();
      s.addProperty("process", cluster.alive(r) ? "not answering" : "not running");
    }
    return s;
  }

  @Override
  public int[] missingWithout(int r) {
    return cluster.missingWithout(r);
  }

  @Override
  public void drain(int r) {
    if (!cluster.drain(r)) {
      throw new IllegalStateException("rank " + r + "'s process did not answer the leave request");
    }
  }

  @Override
  public void rejoin(int r) throws Exception {
    cluster.restart(r);
  }

  @Override
  public boolean rebalance() {
    return cluster.rebalance();
  }

  @Override
  public MeterBinder metrics() {
    return new InstanceMetrics(cluster.router());
  }

  @Override
  public void close() {
    cluster.close();
  }
}
