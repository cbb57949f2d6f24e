package org.eep.api.config;

import java.util.List;

/**
 * The core configuration keys. DJL Serving spells them {@code option.eep_x} in {@code
 * serving.properties} and {@code OPTION_EEP_X} in the environment. Provider-specific keys
 * (ZooKeeper's, say) are declared by their provider.
 */
public final class EepKeys {
  private EepKeys() {}

  public static final ConfigKey INSTANCE =
      ConfigKey.text(
          "eep_instance",
          "eep",
          "Name of the EP instance; namespaces in-process fabrics and the ZooKeeper root.");
  public static final ConfigKey TRANSPORT =
      ConfigKey.text("eep_transport", "local", "Transport provider: local (in-process), ucx, tcp.");
  public static final ConfigKey MEMBERSHIP =
      ConfigKey.text(
          "eep_membership",
          "local",
          "Membership provider: static (any failure is fatal), local (in-process), zookeeper.");
  public static final ConfigKey PLACEMENT =
      ConfigKey.text("eep_placement", "balanced", "Placement policy provider.");
  public static final ConfigKey MAX_RANKS =
      ConfigKey.integer(
          "eep_max_ranks",
          4,
          1,
          4096,
          "Number of rank slots of the instance (fixed for its life).");
  public static final ConfigKey RANKS =
      ConfigKey.text(
          "eep_ranks",
          "in_process",
          "Where the ranks of a model the DJL engine serves run: in_process (threads of the serving"
              + " JVM), processes (rank processes it starts and supervises on this host), external"
              + " (ranks started elsewhere, found through ZooKeeper; the serving JVM is the front end"
              + " only). processes and external need eep-server on the class path.");
  public static final ConfigKey RANK =
      ConfigKey.integer(
          "eep_rank",
          -1,
          -1,
          4095,
          "Slot this process serves; -1 runs every slot in this process.");
  public static final ConfigKey REDUNDANT_EXPERTS =
      ConfigKey.integerOrAuto(
          "eep_redundant_experts",
          0,
          1 << 20,
          "Spare physical expert slots; auto = enough to keep full coverage after one rank failure.");
  public static final ConfigKey STEP_TIMEOUT_MS =
      ConfigKey.integer(
          "eep_step_timeout_ms",
          2000,
          1,
          3_600_000,
          "Deadline of one receive in a step; a miss is evidence against that peer.");
  public static final ConfigKey HEARTBEAT_MS =
      ConfigKey.integer(
          "eep_heartbeat_ms", 100, 1, 600_000, "Interval between a rank's heartbeats.");
  public static final ConfigKey HEARTBEAT_MISSES =
      ConfigKey.integer(
          "eep_heartbeat_misses",
          10,
          1,
          1000,
          "Heartbeats a rank may miss before it is declared failed.");
  public static final ConfigKey PROBE_AFTER_MS =
      ConfigKey.integer(
          "eep_probe_after_ms",
          300,
          0,
          600_000,
          "Data-plane silence from a peer (no frame at all) after which a rank probes it; its"
              + " transport answers from its I/O thread, so a rank busy in a step answers and a"
              + " frozen process (SIGSTOP, or a pause longer than this plus eep_probe_timeout_ms)"
              + " does not. A rank's first 5 s ACTIVE (its warm-up) are not judged by probes."
              + " 0 = no probes (a frozen rank is then found by its missed heartbeats).");
  public static final ConfigKey PROBE_TIMEOUT_MS =
      ConfigKey.integer(
          "eep_probe_timeout_ms",
          300,
          10,
          600_000,
          "How long a probed peer has to answer before the prober reports it; a majority of its"
              + " peers reporting evicts it without waiting for its heartbeats to run out.");
  public static final ConfigKey REBALANCE_INTERVAL_STEPS =
      ConfigKey.integer(
          "eep_rebalance_interval_steps",
          0,
          0,
          1_000_000_000,
          "Steps between live rebalances: the active ranks agree on one load snapshot, place the"
              + " experts anew, stage the changed slots' weights in the background and switch in"
              + " place at one step; 0 = only on demand and after a recovery or rejoin (while"
              + " eep_rebalance_window_steps > 0).");
  public static final ConfigKey REBALANCE_WINDOW_STEPS =
      ConfigKey.integer(
          "eep_rebalance_window_steps",
          1000,
          0,
          1_000_000,
          "Steps of routed-token counts per (layer, expert) a rebalance looks at (a sliding"
              + " window); 0 = no load statistics and no rebalancing.");
  public static final ConfigKey REBALANCE_STAGING_MB =
      ConfigKey.integer(
          "eep_rebalance_staging_mb",
          256,
          1,
          1 << 20,
          "Most expert weights (MiB, all layers) one rebalance stages per rank before its switch;"
              + " slots beyond it wait for the next rebalance.");
  public static final ConfigKey COVERAGE_WAIT_MS =
      ConfigKey.integer(
          "eep_coverage_wait_ms",
          30_000,
          0,
          3_600_000,
          "With eep_on_coverage_loss=refuse: how long a request already accepted waits, its state"
              + " and tokens kept, for an expert without a replica to get one back (a rejoin, or a"
              + " repair into a freed slot) before it fails naming the experts; 0 fails it at once.");
  public static final ConfigKey ON_COVERAGE_LOSS =
      ConfigKey.choice(
          "eep_on_coverage_loss",
          CoverageLossPolicy.REFUSE,
          "When an expert has no replica left: refuse requests, or drop it from top-k.");
  public static final ConfigKey SEED =
      ConfigKey.integer(
          "eep_seed",
          42,
          Long.MIN_VALUE,
          Long.MAX_VALUE,
          "Seed of every deterministic choice (placement ties, generated models).");
  public static final ConfigKey MAX_NEW_TOKENS =
      ConfigKey.integer(
          "eep_max_new_tokens", 512, 1, 1 << 20, "Largest max_new_tokens a request may ask for.");
  public static final ConfigKey MAX_BATCH =
      ConfigKey.integer(
          "eep_max_batch", 256, 1, 1 << 16, "Requests computed together on one rank.");
  public static final ConfigKey PREFILL_CHUNK =
      ConfigKey.integer(
          "eep_prefill_chunk",
          512,
          1,
          1 << 20,
          "Most positions a request prefills in one step (new requests, and re-queued ones with the tokens"
              + " already emitted); decoders advance one position in the same step.");
  public static final ConfigKey STEP_TOKENS =
      ConfigKey.integer(
          "eep_step_tokens",
          2048,
          1,
          1 << 20,
          "Most positions one rank computes in one step: every decoder's next position, then prefill"
              + " chunks in arrival order while there is room (bounds a step's time and scratch"
              + " memory).");
  public static final ConfigKey KV_CACHE_TOKENS =
      ConfigKey.integer(
          "eep_kv_cache_tokens",
          16384,
          16,
          1 << 26,
          "Positions of one rank's preallocated KV pool (paged in blocks of 16); a request reserves its"
              + " prompt + max_new_tokens when it joins a batch, waits while the pool is full, and is"
              + " refused if it can never fit.");
  public static final ConfigKey QUEUE_CAPACITY =
      ConfigKey.integer(
          "eep_queue_capacity",
          1024,
          1,
          1 << 24,
          "Requests waiting for a batch slot before new ones are rejected.");
  public static final ConfigKey TIER_BANDWIDTH =
      ConfigKey.text(
          "eep_tier_bandwidth",
          "auto",
          "Repair tier bandwidths in GB/s, e.g. peer=10,host=20,disk=2; auto = measured at start-up.");
  public static final ConfigKey HOST =
      ConfigKey.text("eep_host", "127.0.0.1", "Address data-plane listeners bind to.");
  public static final ConfigKey SECRET =
      ConfigKey.text(
          "eep_secret",
          "",
          "Instance secret: authenticates members on the control and data plane.");
  public static final ConfigKey METRICS_PORT =
      ConfigKey.integer(
          "eep_metrics_port",
          -1,
          -1,
          65535,
          "Loopback port of the Prometheus endpoint; -1 = off, 0 = any free port.");

  /** Every core key, in documentation order. */
  public static List<ConfigKey> all() {
    return List.of(
        INSTANCE,
        TRANSPORT,
        MEMBERSHIP,
        PLACEMENT,
        MAX_RANKS,
        RANKS,
        RANK,
        REDUNDANT_EXPERTS,
        STEP_TIMEOUT_MS,
        HEARTBEAT_MS,
        HEARTBEAT_MISSES,
        PROBE_AFTER_MS,
        PROBE_TIMEOUT_MS,
        ON_COVERAGE_LOSS,
        COVERAGE_WAIT_MS,
        REBALANCE_INTERVAL_STEPS,
        REBALANCE_WINDOW_STEPS,
        REBALANCE_STAGING_MB,
        SEED,
        MAX_NEW_TOKENS,
        MAX_BATCH,
        PREFILL_CHUNK,
        STEP_TOKENS,
        KV_CACHE_TOKENS,
        QUEUE_CAPACITY,
        TIER_BANDWIDTH,
        HOST,
        SECRET,
        METRICS_PORT);
  }
}
