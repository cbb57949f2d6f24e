package org.eep.djl.instance;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import java.nio.file.Path;
import java.util.Optional;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementPolicyProvider;
import org.eep.api.spi.Providers;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.rank.StepHooks;
import org.eep.djl.repair.HostBackup;
import org.eep.placement.repair.RepairPlanner;
import org.eep.placement.repair.TierBandwidths;
import org.eep.placement.repair.TierMeasurement;

/**
 * The composition root of an EP instance: the transport, membership and placement providers
 * selected by name, the repair planner and the tier bandwidths it plans with, the host backup
 * (shared by the ranks of an instance that all run in this JVM, {@code eep_rank=-1}), the
 * fault-injection hooks, and from them the {@link RankFactory} and the in-process {@link
 * EpCluster}. A test replaces one binding with {@code Modules.override(new EepModule(…)).with(…)}.
 */
public final class EepModule extends AbstractModule {
  /** The name of the bound model directory ({@code config.json} + {@code model.safetensors}). */
  public static final String MODEL_DIR = "eep.modelDir";

  private final EepConfig config;
  private final Path modelDir;
  private final NDManager manager;

  public EepModule(EepConfig config, Path modelDir, NDManager manager) {
    this.config = requireNonNull(config, "config is null");
    this.modelDir = requireNonNull(modelDir, "modelDir is null");
    this.manager = requireNonNull(manager, "manager is null");
  }

  @Override
  protected void configure() {
    bind(EepConfig.class).toInstance(config);
    bind(NDManager.class).toInstance(manager);
    bind(Path.class).annotatedWith(Names.named(MODEL_DIR)).toInstance(modelDir);
    bind(StepHooks.class).toInstance(StepHooks.NONE);
  }

  @Provides
  @Singleton
  MoeConfig model() {
    return MoeConfig.read(modelDir);
  }

  @Provides
  @Singleton
  TransportProvider transport(EepConfig c) {
    return Providers.find(TransportProvider.class, c.getString(EepKeys.TRANSPORT));
  }

  @Provides
  @Singleton
  MembershipProvider membership(EepConfig c) {
    return Providers.find(MembershipProvider.class, c.getString(EepKeys.MEMBERSHIP));
  }

  @Provides
  @Singleton
  PlacementPolicy placement(EepConfig c) {
    return Providers.find(PlacementPolicyProvider.class, c.getString(EepKeys.PLACEMENT)).create(c);
  }

  /**
   * Every rank must plan with the same numbers: {@code auto} is measured here, once, by whoever
   * wires the instance.
   */
  @Provides
  @Singleton
  TierBandwidths bandwidths(EepConfig c, MoeConfig m, @Named(MODEL_DIR) Path dir) {
    String spec = c.getString(EepKeys.TIER_BANDWIDTH);
    return "auto".equals(spec)
        ? TierMeasurement.measure(
            dir.resolve(CheckpointGenerator.WEIGHTS), m.expertBytesAllLayers())
        : TierBandwidths.parseGBps(spec);
  }

  @Provides
  @Singleton
  RepairPlanner planner(TierBandwidths bandwidths) {
    return new RepairPlanner(bandwidths);
  }

  /**
   * A backup its peers can count on exists only when every rank of the instance runs in this JVM.
   */
  @Provides
  @Singleton
  Optional<HostBackup> hostBackup(EepConfig c) {
    return c.getInt(EepKeys.RANK) == -1 ? Optional.of(new HostBackup()) : Optional.empty();
  }
}
