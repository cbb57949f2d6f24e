package org.eep.server.launcher;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.api.spi.Providers;
import org.eep.djl.frontend.Router;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.membership.zookeeper.EmbeddedZooKeeper;
import org.eep.placement.repair.TierBandwidths;
import org.eep.placement.repair.TierMeasurement;
import org.eep.server.ServerKeys;
import org.eep.server.rank.RankProcess;

/**
 * An EP instance of rank processes on this machine: one JVM per rank ({@link RankProcess}), an
 * embedded ZooKeeper server when {@code eep_zookeeper_connect=embedded}, and the front end ({@link
 * Router}) in this JVM. Streams every rank's output with a {@code [rank N]} prefix and lets the
 * caller {@link #kill} ({@code kill -9}), {@link #stop} ({@code SIGSTOP}), {@link #cont} and {@link
 * #restart} ranks. Sets {@code UCX_NET_DEVICES=lo} and {@code UCX_TLS=tcp,self} for the ranks
 * unless the environment already says otherwise. Thread-safe.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
  private static final Pattern READY =
      Pattern.compile(RankProcess.READY + " rank=(\\d+) incarnation=(\\d+) http=(\\d+)");

  /** How long a drained rank process may take to exit after leaving its slot. */
  private static final Duration LEAVE_EXIT = Duration.ofSeconds(30);

  private static final Pattern FAILED =
      Pattern.compile(RankProcess.FAILED + " rank=(?:-1|(\\d+)) (.*)");
  private static final Pattern SPARE = Pattern.compile(RankProcess.SPARE + " http=(\\d+)");

  private final EepConfig config;
  private final Path modelDir;
  private final Consumer<String> log;
  private final RemoteRank[] ranks;
  private final EmbeddedZooKeeper zookeeper;
  private final Map<String, String> rankOptions = new LinkedHashMap<>();
  private final Router router;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Notified whenever a rank may have started or stopped serving. */
  private final Object changed = new Object();

  private final AutoCloseable viewWatch;

  /** False for ranks started elsewhere ({@link #attach}). */
  private final boolean launches;

  /** Where ranks started elsewhere answer: a URL template with {@code {rank}}. */
  private final String endpoint;

  private final boolean restartDead;
  private final int spareCount;
  private final List<Spare> spares = new ArrayList<>();
  private volatile boolean closed;
  private final ScheduledExecutorService supervisor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "eep-rank-supervisor");
            t.setDaemon(true);
            return t;
          });

  private ProcessCluster(EepConfig base, Path modelDir, Consumer<String> log, boolean launches) {
    this.modelDir = requireNonNull(modelDir, "modelDir is null");
    this.log = requireNonNull(log, "log is null");
    this.launches = launches;
    String membership = base.getString(EepKeys.MEMBERSHIP);
    if (!membership.equals("zookeeper")) {
      throw new ConfigException(
          "rank processes need a membership provider that spans processes: eep_membership="
              + membership
              + " is in-process only; use zookeeper");
    }
    if (base.getString(EepKeys.TRANSPORT).equals("local")) {
      throw new ConfigException(
          "rank processes need a transport that spans processes: eep_transport=local is "
              + "in-process only; use ucx or tcp");
    }
    String connect = base.asMap().getOrDefault("eep_zookeeper_connect", "embedded");
    this.endpoint = base.getString(ServerKeys.RANK_ENDPOINT);
    if (!launches) {
      if (connect.equals("embedded")) {
        throw new ConfigException(
            "eep_ranks=external needs eep_zookeeper_connect naming the ensemble the ranks joined"
                + " (host:port,...), not embedded");
      }
      if (!endpoint.contains("{rank}")) {
        throw new ConfigException(
            "eep_ranks=external needs "
                + ServerKeys.RANK_ENDPOINT.name()
                + ", a URL template with {rank} (for example http://eep-rank-{rank}.eep-ranks:8081);"
                + " got '"
                + endpoint
                + "'");
      }
    }
    this.restartDead = launches && base.getBoolean(ServerKeys.RESTART_RANKS);
    this.spareCount = launches ? base.getInt(ServerKeys.SPARE_RANKS) : 0;
    // Unknown provider names fail here, in one line, not in every rank process.
    Providers.find(TransportProvider.class, base.getString(EepKeys.TRANSPORT));
    Providers.find(MembershipProvider.class, membership);
    EepConfig c = base;
    if ("embedded".equals(connect)) {
      zookeeper = EmbeddedZooKeeper.start();
      c = c.with("eep_zookeeper_connect", zookeeper.connectString());
    } else {
      zookeeper = null;
    }
    if (launches && "auto".equals(c.getString(EepKeys.TIER_BANDWIDTH))) {
      // Every rank plans repairs alone and all must agree: measure the tiers once, here, for all of
      // them.
      TierBandwidths b =
          TierMeasurement.measure(
              modelDir.resolve(CheckpointGenerator.WEIGHTS),
              MoeConfig.read(modelDir).expertBytesAllLayers());
      c =
          c.with(
              EepKeys.TIER_BANDWIDTH.name(),
              String.format(
                  Locale.ROOT,
                  "peer=%.6f,host=%.6f,disk=%.6f",
                  b.peerBytesPerSec() / 1e9,
                  b.hostBytesPerSec() / 1e9,
                  b.diskBytesPerSec() / 1e9));
    }
    this.config = c;
    rankOptions.putAll(c.asMap());
    int n = c.getInt(EepKeys.MAX_RANKS);
    ranks = new RemoteRank[n];
    for (int r = 0; r < n; r++) {
      ranks[r] = new RemoteRank(r, http);
    }
    router =
        new Router(
            c,
            MoeConfig.read(modelDir),
            n,
            r -> ranks[r],
            Providers.find(MembershipProvider.class, "zookeeper").create(c));
    viewWatch =
        router
            .observer()
            .subscribe(
                v -> {
                  if (!launches) {
                    follow(v);
                  }
                  changed();
                });
  }

  /** Ranks elsewhere: each member slot's process answers at the endpoint template. */
  private void follow(MembershipView v) {
    for (Slot s : v.slots()) {
      boolean member = s.state() == SlotState.ACTIVE || s.state() == SlotState.JOINING;
      if (member && s.incarnation() > 0 && ranks[s.rank()].incarnation() != s.incarnation()) {
        ranks[s.rank()].ready(
            s.incarnation(), URI.create(endpoint.replace("{rank}", Integer.toString(s.rank()))));
      }
    }
  }

  /**
   * The front end of ranks started elsewhere ({@code eep_ranks=external}): follows the instance's
   * views in {@code eep_zookeeper_connect}, reaches each member rank at {@code eep_rank_endpoint},
   * and returns once {@code eep_max_ranks} ranks serve (waiting up to ten minutes for them to
   * start).
   */
  public static ProcessCluster attach(EepConfig config, Path modelDir) throws InterruptedException {
    ProcessCluster c = new ProcessCluster(config, modelDir, line -> {}, false);
    try {
      c.follow(c.router.observer().currentView());
      c.awaitServing(c.ranks.length, Duration.ofMinutes(10));
      return c;
    } catch (InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Starts every rank process and returns once all serve. */
  public static ProcessCluster start(EepConfig config, Path modelDir, Consumer<String> log)
      throws IOException, InterruptedException {
    ProcessCluster c = new ProcessCluster(config, modelDir, log, true);
    try {
      for (int r = 0; r < c.ranks.length; r++) {
        c.launch(r);
      }
      c.awaitServing(c.ranks.length, Duration.ofMinutes(5));
      c.replenishSpares(); // after formation, so spares do not slow it
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void launch(int r) throws IOException {
    Process p = start(List.of("eep_rank=" + r));
    ranks[r].started(p);
    watch(p, "[rank " + r + "] ", () -> exited(r, p));
  }

  /** Starts a hot spare: warm, waiting for a slot ({@code eep_spare_ranks}). */
  private void launchSpare() throws IOException {
    Process p = start(List.of("--spare"));
    Spare spare = new Spare(p);
    synchronized (spares) {
      spares.add(spare);
    }
    watch(
        p,
        "[spare " + p.pid() + "] ",
        () -> {
          boolean waiting;
          synchronized (spares) {
            waiting = spares.remove(spare);
          }
          if (waiting && !closed) {
            log.accept("[spare " + p.pid() + "] exited; starting another");
            replenishSpares();
          }
        });
  }

  private Process start(List<String> extra) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    String classpath = config.getString(ServerKeys.RANK_CLASSPATH);
    cmd.add(classpath.isEmpty() ? System.getProperty("java.class.path") : classpath);
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Dai.djl.pytorch.num_threads=1");
    cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    cmd.add("-Xss4m");
    String logLevel = System.getProperty(LOG_LEVEL);
    if (logLevel != null) {
      cmd.add("-D" + LOG_LEVEL + "=" + logLevel); // ranks log at the launcher's level
    }
    cmd.add(RankProcess.class.getName());
    cmd.add("--model");
    cmd.add(modelDir.toString());
    rankOptions.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putIfAbsent("UCX_NET_DEVICES", "lo");
    pb.environment().putIfAbsent("UCX_TLS", "tcp,self");
    return pb.start();
  }

  /** Follows a process's output and its exit. */
  private void watch(Process p, String prefix, Runnable onExit) {
    p.onExit()
        .thenRun(
            () -> {
              changed();
              onExit.run();
            });
    Thread pump = new Thread(() -> pump(prefix, p), "eep-rank-" + p.pid() + "-log");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * A rank process ended: one that was neither drained nor stopped by {@link #close} is replaced at
   * once by a warm spare if one waits ({@code eep_spare_ranks}), else, with {@code
   * eep_restart_ranks}, started again after a second; either way as a new incarnation of its slot.
   */
  private void exited(int r, Process p) {
    if (closed || ranks[r].process() != p || ranks[r].drained()) {
      return;
    }
    if (takeOver(r)) {
      return;
    }
    if (!restartDead) {
      return;
    }
    log.accept(
        "[rank "
            + r
            + "] exited with code "
            + p.exitValue()
            + "; starting it again (eep_restart_ranks)");
    supervisor.schedule(
        () -> {
          try {
            if (!closed && ranks[r].process() == p) {
              launch(r);
            }
          } catch (IOException | RuntimeException e) {
            log.accept("[rank " + r + "] could not be started again: " + e);
          }
        },
        1,
        TimeUnit.SECONDS);
  }

  /** Gives slot {@code r} to a warm spare, if one waits; then starts a spare in its place. */
  private boolean takeOver(int r) {
    Spare spare = null;
    synchronized (spares) {
      for (Spare s : spares) {
        if (s.base != null) {
          spare = s;
          break;
        }
      }
      if (spare != null) {
        spares.remove(spare);
      }
    }
    if (spare == null) {
      return false;
    }
    log.accept("[spare " + spare.process.pid() + "] takes slot " + r);
    ranks[r].started(spare.process);
    Process taken = spare.process;
    taken.onExit().thenRun(() -> exited(r, taken));
    if (!RemoteRank.post(http, spare.base.resolve("/assume?rank=" + r))) {
      log.accept("[spare " + taken.pid() + "] did not answer; it is stopped");
      taken.destroyForcibly();
    }
    replenishSpares();
    return true;
  }

  /** Starts spares until {@code eep_spare_ranks} are starting or waiting. */
  private void replenishSpares() {
    supervisor.execute(
        () -> {
          try {
            while (!closed) {
              synchronized (spares) {
                if (spares.size() >= spareCount) {
                  return;
                }
              }
              launchSpare();
            }
          } catch (IOException | RuntimeException e) {
            log.accept("a spare could not be started: " + e);
          }
        });
  }

  /** Spares waiting for a slot now (warm and answering). */
  public int sparesReady() {
    synchronized (spares) {
      return (int) spares.stream().filter(s -> s.base != null).count();
    }
  }

  /** Blocks until {@code n} spares wait, woken as each reports itself warm. */
  public void awaitSpares(int n, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (sparesReady() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(sparesReady() + " of " + n + " spares ready after " + timeout);
        }
        TimeUnit.NANOSECONDS.timedWait(changed, left);
      }
    }
  }

  /** A standby rank process: its process, and where it answers once warm. */
  private static final class Spare {
    final Process process;
    volatile URI base;

    Spare(Process process) {
      this.process = process;
    }
  }

  private void pump(String prefix, Process p) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Matcher m = READY.matcher(line);
        if (m.find()) {
          ranks[Integer.parseInt(m.group(1))].ready(
              Long.parseLong(m.group(2)), URI.create("http://127.0.0.1:" + m.group(3)));
          changed();
        }
        Matcher spare = SPARE.matcher(line);
        if (spare.find()) {
          synchronized (spares) {
            spares.stream()
                .filter(s -> s.process == p)
                .forEach(s -> s.base = URI.create("http://127.0.0.1:" + spare.group(1)));
          }
          changed();
        }
        Matcher f = FAILED.matcher(line);
        if (f.find() && f.group(1) != null) {
          ranks[Integer.parseInt(f.group(1))].failed(f.group(2));
          changed();
        }
        log.accept(prefix + line);
      }
    } catch (IOException e) {
      log.accept(prefix + "output closed: " + e.getMessage());
    }
  }

  /**
   * Blocks until {@code n} ranks serve (liveness bound {@code timeout}). Woken by what can change
   * the answer: a new view, a rank reporting it serves, a rank process exiting.
   */
  public void awaitServing(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (router.servingCount() < n) {
        for (RemoteRank r : ranks) {
          if (r.failure() != null) {
            throw new RankStartException("rank " + r.rank() + " failed to start: " + r.failure());
          }
          Process p = r.process();
          if (p != null && !p.isAlive() && p.exitValue() != 0 && p.exitValue() != 137) {
            throw new RankStartException(
                "rank "
                    + r.rank()
                    + " exited with code "
                    + p.exitValue()
                    + " before it served (its output above says why)");
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              router.servingCount() + " of " + n + " ranks serving after " + timeout);
        }
        TimeUnit.NANOSECONDS.timedWait(changed, left);
      }
    }
  }

  /** Wakes {@link #awaitServing}. */
  private void changed() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  public CompletableFuture<GenerationResult> submit(
      GenerationRequest request, TokenListener listener) {
    return router.submit(request, listener);
  }

  /**
   * The experts that would have no replica if rank {@code r} left now, as the first other serving
   * rank plans it; empty if no other rank answers (then nothing is known to be lost).
   */
  public int[] missingWithout(int r) {
    for (RemoteRank other : ranks) {
      if (other.rank() != r && other.serving()) {
        int[] missing = other.missingWithout(r);
        if (missing != null) {
          return missing;
        }
      }
    }
    return new int[0];
  }

  /**
   * Drains rank {@code r}: the front end stops giving it requests, its process leaves the slot
   * (LEFT) and exits, and its requests move to the others when the view shows it gone. Returns once
   * asked; false if the process did not answer.
   */
  public boolean drain(int r) {
    RemoteRank rank = ranks[r];
    router.drain(rank.owner());
    return rank.leave();
  }

  /**
   * Asks the first serving rank process that answers for a live rebalance (its word reaches every
   * rank); false if none answered.
   */
  public boolean rebalance() {
    for (RemoteRank r : ranks) {
      if (r.serving() && r.requestRebalance()) {
        return true;
      }
    }
    return false;
  }

  /** {@code kill -9} of rank {@code r}'s process. */
  public void kill(int r) {
    requireLaunched("kill");
    ranks[r].process().destroyForcibly();
  }

  /** {@code SIGSTOP}: the process freezes; it raises no transport error, only silence. */
  public void stop(int r) throws IOException, InterruptedException {
    signal(r, "STOP");
  }

  /** {@code SIGCONT}: a frozen process runs again (and finds itself evicted if it was). */
  public void cont(int r) throws IOException, InterruptedException {
    signal(r, "CONT");
  }

  private void requireLaunched(String what) {
    if (!launches) {
      throw new IllegalStateException(
          "cannot " + what + " a rank of eep_ranks=external: its process runs elsewhere");
    }
  }

  private void signal(int r, String sig) throws IOException, InterruptedException {
    requireLaunched("signal");
    int code =
        new ProcessBuilder("kill", "-" + sig, Long.toString(ranks[r].process().pid()))
            .inheritIO()
            .start()
            .waitFor();
    if (code != 0) {
      throw new IOException(
          "kill -" + sig + " " + ranks[r].process().pid() + " exited with " + code);
    }
  }

  /**
   * Starts a new process for rank {@code r} (the old one must be dead); it rejoins as a new
   * incarnation.
   */
  public void restart(int r) throws IOException, InterruptedException {
    requireLaunched("restart");
    Process old = ranks[r].process();
    if (old != null && old.isAlive() && ranks[r].drained()) {
      old.waitFor(LEAVE_EXIT.toMillis(), TimeUnit.MILLISECONDS); // it left and is exiting
    }
    if (old != null && old.isAlive()) {
      throw new IllegalStateException("rank " + r + " is still running (pid " + old.pid() + ")");
    }
    if (old != null) {
      old.waitFor();
    }
    launch(r);
  }

  /**
   * Rank {@code r}'s status document (counters, transport stats), or null if it does not answer.
   */
  public JsonObject status(int r) {
    return ranks[r].status();
  }

  /** Whether rank {@code r}'s process runs (a stopped process runs). */
  public boolean alive(int r) {
    Process p = ranks[r].process();
    return p != null && p.isAlive();
  }

  /** The number of rank slots. */
  public int size() {
    return ranks.length;
  }

  /** Requests in flight in the front end. */
  public int outstanding() {
    return router.outstanding();
  }

  /** The incarnation rank {@code r}'s process last reported serving as. */
  public long incarnation(int r) {
    return ranks[r].incarnation();
  }

  public MembershipView view() {
    return router.observer().currentView();
  }

  public Router router() {
    return router;
  }

  public EepConfig config() {
    return config;
  }

  @Override
  public void close() {
    closed = true;
    supervisor.shutdownNow();
    synchronized (spares) {
      spares.forEach(s -> s.process.destroyForcibly());
      spares.clear();
    }
    try {
      viewWatch.close();
    } catch (Exception e) {
      // closing a subscription does not fail
    }
    router.close();
    for (RemoteRank r : ranks) {
      Process p = r.process();
      if (p != null) {
        p.destroyForcibly();
        try {
          p.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (zookeeper != null) {
      zookeeper.close();
    }
  }
}
