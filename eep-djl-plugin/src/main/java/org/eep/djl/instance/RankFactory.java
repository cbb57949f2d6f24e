package org.eep.djl.instance;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import com.google.inject.name.Named;
import java.nio.file.Path;
import java.util.Optional;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.rank.RankRuntime;
import org.eep.djl.rank.RankSetup;
import org.eep.djl.rank.StepHooks;
import org.eep.djl.repair.HostBackup;
import org.eep.placement.Sizing;
import org.eep.placement.repair.RepairPlanner;

/**
 * Makes the ranks of one instance from the parts its composition root ({@link EepModule}) bound:
 * every rank gets the same providers, placement policy, repair planner, hooks and host backup.
 * Thread-safe; a new {@link RankRuntime} per call (each restart of a slot is a new incarnation).
 */
public final class RankFactory {
  private final EepConfig config;
  private final MoeConfig model;
  private final Path modelDir;
  private final TransportProvider transports;
  private final MembershipProvider memberships;
  private final PlacementPolicy placementPolicy;
  private final RepairPlanner planner;
  private final Optional<HostBackup> hostBackup;
  private final StepHooks hooks;
  private final NDManager manager;

  @Inject
  RankFactory(
      EepConfig config,
      MoeConfig model,
      @Named(EepModule.MODEL_DIR) Path modelDir,
      TransportProvider transports,
      MembershipProvider memberships,
      PlacementPolicy placementPolicy,
      RepairPlanner planner,
      Optional<HostBackup> hostBackup,
      StepHooks hooks,
      NDManager manager) {
    this.config = requireNonNull(config, "config is null");
    this.model = requireNonNull(model, "model is null");
    this.modelDir = requireNonNull(modelDir, "modelDir is null");
    this.transports = requireNonNull(transports, "transports is null");
    this.memberships = requireNonNull(memberships, "memberships is null");
    this.placementPolicy = requireNonNull(placementPolicy, "placementPolicy is null");
    this.planner = requireNonNull(planner, "planner is null");
    this.hostBackup = requireNonNull(hostBackup, "hostBackup is null");
    this.hooks = requireNonNull(hooks, "hooks is null");
    this.manager = requireNonNull(manager, "manager is null");
  }

  /** Slot {@code rank}'s setup. */
  public RankSetup setup(int rank) {
    return new RankSetup(
        rank,
        config.with(EepKeys.RANK.name(), rank),
        model,
        modelDir,
        slotsPerRank(),
        transports,
        memberships,
        placementPolicy,
        planner,
        hostBackup,
        hooks,
        manager);
  }

  /** A new, unstarted runtime for slot {@code rank}. */
  public RankRuntime create(int rank) {
    return new RankRuntime(setup(rank));
  }

  /** Physical expert slots per rank ({@code eep_max_ranks}, {@code eep_redundant_experts}). */
  public int slotsPerRank() {
    return Sizing.slotsPerRank(config, model.numExperts());
  }

  public EepConfig config() {
    return config;
  }

  public MoeConfig model() {
    return model;
  }

  public MembershipProvider memberships() {
    return memberships;
  }
}
