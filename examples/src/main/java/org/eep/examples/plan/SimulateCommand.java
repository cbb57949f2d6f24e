package org.eep.examples.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.placement.Sizing;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.eep.placement.repair.RepairPlan;
import org.eep.placement.repair.RepairPlanner;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import org.eep.placement.repair.TierBandwidths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./eep simulate --ep 32 --bandwidth nvlink=450,rdma=50,pcie=64,disk=7 [--failed N]}: the
 * real {@link RepairPlanner} on a DeepSeek-V3-sized instance. Projects the repair after rank
 * failures and the rejoin of a failed rank, per source tier and with the planner's own choice of
 * tiers.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description =
        "Project repair and rejoin times of a DeepSeek-V3-sized EP instance with the real repair planner.")
public final class SimulateCommand implements Callable<Integer> {
  @Option(
      names = "--ep",
      defaultValue = "32",
      description = "EP size = ranks (e.g. 32, 64, 256; default: ${DEFAULT-VALUE}).")
  int ep;

  @Option(
      names = "--bandwidth",
      defaultValue = "nvlink=450,rdma=50,pcie=64,disk=7",
      description =
          "GB/s per link: nvlink (peer inside a node), rdma (peer across nodes), pcie (host memory), disk. "
              + "A link left out is absent (default: ${DEFAULT-VALUE}).")
  String bandwidth;

  @Option(
      names = "--failed",
      defaultValue = "1",
      description = "Ranks that fail (default: ${DEFAULT-VALUE}).")
  int failed;

  @Option(
      names = "--failed-ranks",
      split = ",",
      description = "Exactly these ranks fail (overrides --failed).")
  int[] failedRanks;

  @Option(
      names = "--redundant",
      defaultValue = "32",
      description = "Redundant expert slots, or auto (default: ${DEFAULT-VALUE}).")
  String redundant;

  @Option(
      names = "--ranks-per-node",
      defaultValue = "8",
      description = "Ranks per node (default: ${DEFAULT-VALUE}).")
  int ranksPerNode;

  @Option(
      names = "--host-backup",
      defaultValue = "node",
      description =
          "Host-memory backups: node (each node keeps what its ranks hold), all, none (default: ${DEFAULT-VALUE}).")
  String hostBackup;

  @Option(
      names = "--experts",
      defaultValue = "256",
      description = "Routed experts per layer (default: ${DEFAULT-VALUE}).")
  int experts;

  @Option(
      names = "--layers",
      defaultValue = "58",
      description = "MoE layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--hidden",
      defaultValue = "7168",
      description = "Hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--moe-intermediate",
      defaultValue = "2048",
      description = "Expert intermediate size (default: ${DEFAULT-VALUE}).")
  int intermediate;

  @Option(
      names = "--bytes-per-param",
      defaultValue = "1",
      description = "1 = FP8, 2 = BF16 (default: ${DEFAULT-VALUE}).")
  double bytesPerParam;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      description =
          "Skew of the synthetic expert load the placement is made for; 0 = uniform (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the synthetic load (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--markdown", description = "Also write the report to this file.")
  Path markdown;

  @Override
  public Integer call() throws IOException {
    PlanSupport.HostBackup backup;
    PlanSupport.Fabric fabric;
    int spr;
    try {
      backup = PlanSupport.HostBackup.valueOf(hostBackup.trim().toUpperCase(Locale.ROOT));
      fabric = PlanSupport.Fabric.parse(bandwidth, ranksPerNode);
      if (ep < 2
          || ranksPerNode < 1
          || experts < 1
          || layers < 1
          || hidden < 1
          || intermediate < 1
          || !(bytesPerParam > 0)) {
        throw new IllegalArgumentException("--ep >= 2, and sizes must be positive");
      }
      spr = Sizing.slotsPerRank(experts, ep, redundant);
    } catch (IllegalArgumentException e) {
      System.err.println("eep simulate: " + e.getMessage());
      return 2;
    }
    int[] down = failedRanks != null ? failedRanks.clone() : IntStream.range(0, failed).toArray();
    BitSet active = PlanSupport.allRanks(ep);
    for (int r : down) {
      if (r < 0 || r >= ep) {
        System.err.println("eep simulate: failed rank " + r + " outside [0, " + ep + ")");
        return 2;
      }
      active.clear(r);
    }
    if (active.isEmpty()) {
      System.err.println("eep simulate: every rank failed");
      return 2;
    }

    long perLayer = PlanSupport.expertBytesPerLayer(hidden, intermediate, bytesPerParam);
    long bytesPerExpert = perLayer * layers;
    LoadSnapshot load = LoadSnapshot.zipf(experts, zipf, seed);
    ExpertPlacement placed =
        new BalancedPlacementPolicy()
            .place(new PlacementRequest(experts, ep, spr, PlanSupport.allRanks(ep), load, seed));
    SourceCatalog catalog = PlanSupport.catalog(placed, ranksPerNode, backup);
    TierBandwidths tiers = fabric.tiers();

    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "# eep simulate --ep %d --bandwidth %s --failed %d%n%n",
            ep,
            bandwidth,
            down.length));
    out.append(
        String.format(
            Locale.ROOT,
            "- Experts: hidden %d x moe intermediate %d x 3 matrices x %s byte/param = %.1f MB per expert per layer; %d MoE layers -> "
                + "%s per logical expert (one placement shared by every layer, so a slot holds one expert in all layers).%n",
            hidden,
            intermediate,
            PlanSupport.fmt(bytesPerParam),
            perLayer / 1e6,
            layers,
            PlanSupport.gb(bytesPerExpert)));
    out.append(
        String.format(
            Locale.ROOT,
            "- Instance: EP %d = %d nodes of %d ranks; %d routed experts, %d slots per rank = %d slots (%d redundant).%n",
            ep,
            (ep + ranksPerNode - 1) / ranksPerNode,
            ranksPerNode,
            experts,
            spr,
            ep * spr,
            ep * spr - experts));
    out.append(
        String.format(
            Locale.ROOT,
            "- Placement: balanced for a Zipf(%s) load (seed %d); max %d replicas of one expert.%n",
            PlanSupport.fmt(zipf),
            seed,
            placed.maxReplicas()));
    out.append(
        String.format(
            Locale.ROOT,
            "- Tiers: PEER = nvlink %s GB/s inside a node, rdma %s GB/s across nodes (faster available link); "
                + "HOST = pcie %s GB/s; DISK = %s GB/s. Host backups: %s. Checkpoint on disk readable by every rank.%n",
            PlanSupport.fmt(fabric.nvlink()),
            PlanSupport.fmt(fabric.rdma()),
            PlanSupport.fmt(fabric.pcie()),
            PlanSupport.fmt(fabric.disk()),
            backup.name().toLowerCase(Locale.ROOT)));
    out.append(
        "- Cost model (RepairPlanner): bytes / bandwidth per load; loads into one rank run one after another, different ranks in "
            + "parallel; a peer serves one copy at a time; no contention on shared links (per-node PCIe switch, disk) is modelled.\n");
    out.append(
        String.format(
            Locale.ROOT,
            "- Failed ranks: %s.%n%n",
            IntStream.of(down).mapToObj(Integer::toString).collect(Collectors.joining(", "))));

    List<String[]> scenarios =
        List.of(
            new String[] {"all tiers (planner's choice)", null},
            new String[] {"peer only", "PEER"},
            new String[] {"host only", "HOST"},
            new String[] {"disk only", "DISK"});

    RepairPlan full =
        new RepairPlanner(tiers, fabric.peers())
            .planRecovery(placed, active, bytesPerExpert, catalog);
    int orphans = full.actions().size() + full.missingExperts().size();
    out.append(
        String.format(
            Locale.ROOT,
            "## Recovery: restore coverage on the %d survivors%n%n",
            active.cardinality()));
    out.append(
        String.format(
            Locale.ROOT,
            "Orphans (experts with no replica left on an active rank): %d%s.%n%n",
            orphans,
            orphans == 0 ? "" : " — " + orphanList(full)));
    table(
        out,
        scenarios,
        tiers,
        fabric,
        s -> s.planRecovery(placed, active, bytesPerExpert, catalog));

    int rejoining = down[0];
    ExpertPlacement current = full.after();
    out.append(
        String.format(
            Locale.ROOT,
            "%n## Rejoin: rank %d reloads its %d slots%s%n%n",
            rejoining,
            spr,
            down.length > 1 ? " (the other failed ranks still down)" : ""));
    table(
        out,
        scenarios,
        tiers,
        fabric,
        s -> s.planRejoin(current, active, rejoining, bytesPerExpert, catalog));

    System.out.print(out);
    if (markdown != null) {
      if (markdown.getParent() != null) {
        Files.createDirectories(markdown.getParent());
      }
      Files.writeString(markdown, out.toString(), StandardCharsets.UTF_8);
    }
    return 0;
  }

  private static String orphanList(RepairPlan plan) {
    List<Integer> all = new ArrayList<>(plan.missingExperts());
    plan.actions().forEach(a -> all.add(a.expert()));
    return all.stream()
        .sorted()
        .map(Object::toString)
        .collect(Collectors.joining(", ", "experts ", ""));
  }

  private static void table(
      StringBuilder out,
      List<String[]> scenarios,
      TierBandwidths tiers,
      PlanSupport.Fabric fabric,
      Function<RepairPlanner, RepairPlan> plan) {
    out.append(
        "| sources | loads | missing | peer loads | host loads | disk loads | bytes moved | projected time |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String[] s : scenarios) {
      TierBandwidths b = s[1] == null ? tiers : tiers.only(Tier.valueOf(s[1]));
      if (s[1] != null && !b.has(Tier.valueOf(s[1]))) {
        out.append("| ").append(s[0]).append(" | — | — | — | — | — | — | tier absent |\n");
        continue;
      }
      RepairPlan p = plan.apply(new RepairPlanner(b, fabric.peers()));
      String time =
          p.actions().isEmpty() && !p.fullCoverage()
              ? "— (nothing loadable)"
              : PlanSupport.seconds(p.estimatedSeconds())
                  + (p.fullCoverage() ? "" : " (incomplete)");
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %d | %d | %d | %s | %s |%n",
              s[0],
              p.actions().size(),
              p.missingExperts().size(),
              p.loadsFrom(Tier.PEER),
              p.loadsFrom(Tier.HOST),
              p.loadsFrom(Tier.DISK),
              PlanSupport.gb(p.bytesMoved()),
              time));
    }
  }
}
