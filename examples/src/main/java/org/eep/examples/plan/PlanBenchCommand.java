package org.eep.examples.plan;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.examples.bench.Machine;
import org.eep.examples.bench.SuiteFiles;
import org.eep.placement.Sizing;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.eep.placement.repair.RepairPlan;
import org.eep.placement.repair.RepairPlanner;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench plan --out DIR}: how long the balanced placement and the repair planner take
 * at scale (every rank computes them itself, inside the recovery pause). Writes {@code plan.json}
 * to DIR and a markdown table to {@code docs/benchmarks/plan.md}.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description =
        "Time the balanced placement and the repair planner at scale (up to 1024 ranks, 4096 slots).")
public final class PlanBenchCommand implements Callable<Integer> {
  @Mixin SuiteFiles files = SuiteFiles.required("docs/benchmarks/plan.md");

  @Option(
      names = "--ranks",
      split = ",",
      defaultValue = "8,64,256,1024",
      description = "Rank counts of the scale series (default: ${DEFAULT-VALUE}).")
  int[] ranks;

  @Option(
      names = "--slots-per-rank",
      defaultValue = "4",
      description = "Slots per rank of the scale series (default: ${DEFAULT-VALUE}).")
  int slotsPerRank;

  @Option(
      names = "--redundant-fraction",
      defaultValue = "0.125",
      description =
          "Share of the physical slots that hold replicas in the scale series (default: ${DEFAULT-VALUE}).")
  double redundantFraction;

  @Option(
      names = "--reps",
      defaultValue = "9",
      description =
          "Timed repetitions per measurement; the median is reported (default: ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--warmup",
      defaultValue = "5",
      description = "Untimed repetitions first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the synthetic expert loads (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--bandwidth",
      defaultValue = "nvlink=450,rdma=50,pcie=64,disk=7",
      description = "Fabric of the plans' cost model, GB/s.")
  String bandwidth;

  private static final int RANKS_PER_NODE = 8;

  /** One measured configuration. */
  record Case(
      String series,
      int ranks,
      int slotsPerRank,
      int logicalExperts,
      int physicalSlots,
      double placeMs,
      double placeFirstMs,
      double recoverMs,
      double recoverFirstMs,
      int orphans,
      String recoverSources,
      double recoverMakespanS,
      Double nodeRecoverMs,
      Integer nodeOrphans,
      Integer nodeMissing,
      double rejoinMs,
      int rejoinLoads,
      double rejoinMakespanS) {}

  /** Median of the timed calls, and the very first call (before any warm-up: a cold code path). */
  record Timing(double medianMs, double firstMs) {}

  @Override
  public Integer call() throws IOException {
    if (reps < 1
        || warmup < 0
        || slotsPerRank < 1
        || !(redundantFraction >= 0 && redundantFraction < 1)) {
      System.err.println(
          "eep bench plan: --reps >= 1, --warmup >= 0, --slots-per-rank >= 1, 0 <= --redundant-fraction < 1");
      return 2;
    }
    PlanSupport.Fabric fabric = PlanSupport.Fabric.parse(bandwidth, RANKS_PER_NODE);
    long bytesPerExpert =
        PlanSupport.DSV3_MOE_LAYERS
            * PlanSupport.expertBytesPerLayer(
                PlanSupport.DSV3_HIDDEN, PlanSupport.DSV3_MOE_INTERMEDIATE, 1.0);
    List<Case> cases = new ArrayList<>();
    for (int n : ranks) {
      int physical = n * slotsPerRank;
      int logical = Math.max(1, (int) Math.round(physical * (1 - redundantFraction)));
      cases.add(measure("scale", n, slotsPerRank, logical, fabric, bytesPerExpert));
    }
    for (int n : new int[] {32, 64, 256}) {
      int spr = Sizing.slotsPerRank(PlanSupport.DSV3_ROUTED_EXPERTS, n, PlanSupport.DSV3_REDUNDANT);
      cases.add(
          measure("deepseek-v3", n, spr, PlanSupport.DSV3_ROUTED_EXPERTS, fabric, bytesPerExpert));
    }

    String command =
        "./eep bench plan --out "
            + files.out()
            + (Arrays.equals(ranks, new int[] {8, 64, 256, 1024}) ? "" : " --ranks " + join(ranks))
            + (slotsPerRank == 4 ? "" : " --slots-per-rank " + slotsPerRank)
            + (redundantFraction == 0.125 ? "" : " --redundant-fraction " + redundantFraction)
            + (reps == 9 ? "" : " --reps " + reps)
            + (warmup == 5 ? "" : " --warmup " + warmup)
            + (seed == 42 ? "" : " --seed " + seed)
            + (bandwidth.equals("nvlink=450,rdma=50,pcie=64,disk=7")
                ? ""
                : " --bandwidth " + bandwidth);
    Map<String, Object> json = files.jsonHeader(command);
    json.put("availableProcessors", Machine.cores());
    json.put("reps", reps);
    json.put("warmup", warmup);
    json.put("fabric", fabric.toString());
    json.put("bytesPerExpert", bytesPerExpert);
    json.put("cases", cases);
    Path jsonFile =
        files.writeJson(
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json));

    String md = markdown(cases, command, fabric, bytesPerExpert);
    Path doc = files.doc();
    if (doc.getParent() != null) {
      Files.createDirectories(doc.getParent());
    }
    Files.writeString(doc, md, StandardCharsets.UTF_8);
    System.out.print(md);
    System.out.println("wrote " + jsonFile + " and " + doc);
    return 0;
  }

  private Case measure(
      String series, int n, int spr, int logical, PlanSupport.Fabric fabric, long bytesPerExpert) {
    System.err.printf(
        Locale.ROOT,
        "eep bench plan: %s, %d ranks x %d slots, %d experts...%n",
        series,
        n,
        spr,
        logical);
    BalancedPlacementPolicy policy = new BalancedPlacementPolicy();
    PlacementRequest request =
        new PlacementRequest(
            logical, n, spr, PlanSupport.allRanks(n), LoadSnapshot.zipf(logical, 1.0, seed), seed);
    Timing place = time(() -> policy.place(request));
    ExpertPlacement placed = policy.place(request);
    SourceCatalog catalog =
        PlanSupport.catalog(placed, RANKS_PER_NODE, PlanSupport.HostBackup.NODE);
    RepairPlanner planner = new RepairPlanner(fabric.tiers(), fabric.peers());

    int failed = n / 2;
    BitSet oneDown = PlanSupport.allRanks(n);
    oneDown.clear(failed);
    Timing recover = time(() -> planner.planRecovery(placed, oneDown, bytesPerExpert, catalog));
    RepairPlan recovery = planner.planRecovery(placed, oneDown, bytesPerExpert, catalog);

    Double nodeMs = null;
    Integer nodeOrphans = null;
    Integer nodeMissing = null;
    if (n >= 2 * RANKS_PER_NODE) {
      BitSet nodeDown = PlanSupport.allRanks(n);
      int firstOfNode = (failed / RANKS_PER_NODE) * RANKS_PER_NODE;
      nodeDown.clear(firstOfNode, firstOfNode + RANKS_PER_NODE);
      nodeMs =
          time(() -> planner.planRecovery(placed, nodeDown, bytesPerExpert, catalog)).medianMs();
      RepairPlan node = planner.planRecovery(placed, nodeDown, bytesPerExpert, catalog);
      nodeOrphans = node.actions().size() + node.missingExperts().size();
      nodeMissing = node.missingExperts().size();
    }

    ExpertPlacement afterRecovery = recovery.after();
    double rejoinMs =
        time(() -> planner.planRejoin(afterRecovery, oneDown, failed, bytesPerExpert, catalog))
            .medianMs();
    RepairPlan rejoin = planner.planRejoin(afterRecovery, oneDown, failed, bytesPerExpert, catalog);
    return new Case(
        series,
        n,
        spr,
        logical,
        n * spr,
        place.medianMs(),
        place.firstMs(),
        recover.medianMs(),
        recover.firstMs(),
        recovery.actions().size() + recovery.missingExperts().size(),
        sources(recovery),
        recovery.estimatedSeconds(),
        nodeMs,
        nodeOrphans,
        nodeMissing,
        rejoinMs,
        rejoin.actions().size(),
        rejoin.estimatedSeconds());
  }

  /**
   * Wall time of {@code work} in milliseconds: the first call, then the median of {@link #reps}
   * runs after {@link #warmup}.
   */
  private Timing time(Supplier<?> work) {
    long f0 = System.nanoTime();
    Object sink = work.get();
    double first = (System.nanoTime() - f0) / 1e6;
    for (int i = 0; i < warmup; i++) {
      sink = work.get();
    }
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      sink = work.get();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    if (sink == null) {
      throw new IllegalStateException("benchmark produced nothing");
    }
    Arrays.sort(ms);
    return new Timing(reps % 2 == 1 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2, first);
  }

  private String markdown(
      List<Case> cases, String command, PlanSupport.Fabric fabric, long bytesPerExpert) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Placement and repair planning at scale\n\n");
    sb.append(
            "Every rank computes the placement and the repair plan itself (nothing is exchanged), so their cost is part of the\n")
        .append("recovery pause. Wall time of one call, median of ")
        .append(reps)
        .append(" after ")
        .append(warmup)
        .append(
            " warm-up calls (in brackets: the very first call, before any warm-up), single thread, ")
        .append(Machine.java())
        .append(", ")
        .append(Machine.cores())
        .append(" cores (shared).\n\n");
    sb.append("Reproduce: `")
        .append(command)
        .append("` (writes `plan.json` there and this file).\n\n");
    sb.append("- *place*: `BalancedPlacementPolicy.place` for a Zipf(1.0) load (seed ")
        .append(seed)
        .append(").\n")
        .append(
            "- *recover 1*: `RepairPlanner.planRecovery` after rank N/2 fails; *orphans* = experts left without an active replica.\n")
        .append(
            "- *recover node*: the same after the 8 ranks of that rank's node fail (N >= 16); *missing* = orphans beyond redundancy.\n")
        .append(
            "- *rejoin*: `RepairPlanner.planRejoin` for the failed rank (every slot of it reloaded).\n")
        .append("- Cost model: ")
        .append(fabric)
        .append(", nodes of ")
        .append(RANKS_PER_NODE)
        .append(" ranks, node-local host backups, ")
        .append(PlanSupport.gb(bytesPerExpert))
        .append(
            " per expert (DeepSeek-V3 expert, FP8, 58 MoE layers). *projected* = the plan's makespan.\n\n");
    sb.append(
        "| series | ranks | slots/rank | experts | slots | place (first) | recover 1 (first) | orphans | loads from | projected "
            + "| recover node | orphans / missing | rejoin | loads | projected |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (Case c : cases) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %d | %d | %s (%s) | %s (%s) | %d | %s | %s | %s | %s | %s | %d | %s |%n",
              c.series(),
              c.ranks(),
              c.slotsPerRank(),
              c.logicalExperts(),
              c.physicalSlots(),
              ms(c.placeMs()),
              ms(c.placeFirstMs()),
              ms(c.recoverMs()),
              ms(c.recoverFirstMs()),
              c.orphans(),
              c.recoverSources(),
              PlanSupport.seconds(c.recoverMakespanS()),
              c.nodeRecoverMs() == null ? "—" : ms(c.nodeRecoverMs()),
              c.nodeOrphans() == null ? "—" : c.nodeOrphans() + " / " + c.nodeMissing(),
              ms(c.rejoinMs()),
              c.rejoinLoads(),
              PlanSupport.seconds(c.rejoinMakespanS())));
    }
    sb.append(
            "\nReading the table: host backups are node-local, so an orphan loads from host memory only on a survivor in the failed\n")
        .append(
            "rank's node, and only into a slot whose expert keeps another active replica; when that node runs out of such slots the\n")
        .append(
            "planner falls back to a disk load elsewhere (*loads from* shows the mix). *missing* > 0 after a node failure means the\n")
        .append(
            "survivors' slots cannot hold every expert (beyond redundancy); the plan names those experts. The timings are of pure Java\n")
        .append(
            "code on a shared 2-core machine: compare rows, not absolute numbers across machines.\n");
    return sb.toString();
  }

  /** "3 host + 1 disk": the tiers a plan loads from. */
  static String sources(RepairPlan plan) {
    List<String> parts = new ArrayList<>();
    for (Tier t : Tier.values()) {
      if (plan.loadsFrom(t) > 0) {
        parts.add(plan.loadsFrom(t) + " " + t.name().toLowerCase(Locale.ROOT));
      }
    }
    if (!plan.missingExperts().isEmpty()) {
      parts.add(plan.missingExperts().size() + " missing");
    }
    return parts.isEmpty() ? "none" : String.join(" + ", parts);
  }

  private static String ms(double ms) {
    return ms >= 100
        ? String.format(Locale.ROOT, "%.0f ms", ms)
        : ms >= 1
            ? String.format(Locale.ROOT, "%.2f ms", ms)
            : String.format(Locale.ROOT, "%.0f µs", ms * 1000);
  }

  private static String join(int[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ",").append(v[i]);
    }
    return sb.toString();
  }
}
