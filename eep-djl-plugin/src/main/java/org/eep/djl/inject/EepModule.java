package org.eep.djl.inject;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.nio.file.Path;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementPolicyProvider;
import org.eep.api.spi.Providers;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.runtime.EpCluster;
import org.eep.djl.runtime.StepHooks;
import org.eep.placement.repair.TierBandwidths;
import org.eep.placement.repair.TierMeasurement;

/**
 * Wires an EP instance from its configuration: the transport, membership and placement providers
 * selected by name, the repair tiers' bandwidths, the fault-injection hooks. Tests replace single
 * bindings with {@code Modules.override(new EepModule(…)).with(…)}.
 */
public final class EepModule extends AbstractModule {
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

  @Provides
  @Singleton
  TierBandwidths bandwidths(EepConfig c, MoeConfig m) {
    String spec = c.getString(EepKeys.TIER_BANDWIDTH);
    return "auto".equals(spec) ? TierMeasurement.measure(modelDir.resolve(CheckpointGenerator.WEIGHTS), m.expertBytesAllLayers()) : TierBandwidths.parseGBps(spec);
  }

  @Provides
  @Singleton
  EpCluster.EpConfig instance(EepConfig c, MoeConfig m, TransportProvider t, MembershipProvider mp, PlacementPolicy p,
      TierBandwidths b, StepHooks hooks, NDManager nd) {
    return new EpCluster.EpConfig(c, m, modelDir, EpCluster.slotsPerRank(c, m), t, mp, p, b, hooks, nd);
  }
}
