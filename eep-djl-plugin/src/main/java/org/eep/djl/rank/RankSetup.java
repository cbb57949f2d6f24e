package org.eep.djl.rank;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Optional;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.repair.HostBackup;
import org.eep.placement.repair.RepairPlanner;

/**
 * Everything one rank needs to start, made by the instance's composition root. {@code planner} must
 * plan with the same tier bandwidths on every rank (each computes the repair plan alone). {@code
 * hostBackup} is present when every rank of the instance runs in this JVM and shares it.
 */
public record RankSetup(
    int rank,
    EepConfig config,
    MoeConfig model,
    Path modelDir,
    int slotsPerRank,
    TransportProvider transports,
    MembershipProvider memberships,
    PlacementPolicy placementPolicy,
    RepairPlanner planner,
    Optional<HostBackup> hostBackup,
    StepHooks hooks,
    NDManager manager) {
  public RankSetup {
    requireNonNull(config, "config is null");
    requireNonNull(model, "model is null");
    requireNonNull(modelDir, "modelDir is null");
    requireNonNull(transports, "transports is null");
    requireNonNull(memberships, "memberships is null");
    requireNonNull(placementPolicy, "placementPolicy is null");
    requireNonNull(planner, "planner is null");
    requireNonNull(hostBackup, "hostBackup is null");
    requireNonNull(hooks, "hooks is null");
    requireNonNull(manager, "manager is null");
  }
}
