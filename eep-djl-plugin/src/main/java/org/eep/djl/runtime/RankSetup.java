package org.eep.djl.runtime;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicy;
import org.eep.djl.model.MoeConfig;
import org.eep.placement.repair.TierBandwidths;

/**
 * Everything one rank needs to start. {@code bandwidths} must be the same on every rank (the repair
 * plan is computed independently by each), so it is resolved once by whoever starts the instance.
 * {@code sharedHostBackup} is true when every rank of the instance runs in this JVM.
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
    TierBandwidths bandwidths,
    boolean sharedHostBackup,
    StepHooks hooks,
    NDManager manager) {
  public RankSetup {
    requireNonNull(config, "config is null");
    requireNonNull(model, "model is null");
    requireNonNull(modelDir, "modelDir is null");
    requireNonNull(transports, "transports is null");
    requireNonNull(memberships, "memberships is null");
    requireNonNull(placementPolicy, "placementPolicy is null");
    requireNonNull(bandwidths, "bandwidths is null");
    requireNonNull(hooks, "hooks is null");
    requireNonNull(manager, "manager is null");
  }
}
