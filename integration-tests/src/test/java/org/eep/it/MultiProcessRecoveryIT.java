package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.djl.model.ReferenceCheck;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.eep.server.launcher.ProcessCluster;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Four rank processes under load: kill -9 and SIGSTOP one, then bring it back; no request lost, no
 * token changed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MultiProcessRecoveryIT {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private static ProcessCluster start(String transport) throws Exception {
    return start(transport, Map.of());
  }

  private static ProcessCluster start(String transport, Map<String, Object> extra)
      throws Exception {
    return start(transport, extra, Models.tiny());
  }

  private static ProcessCluster start(String transport, Map<String, Object> extra, Path model)
      throws Exception {
    Map<String, Object> options = new HashMap<>();
    options.put(
        "eep_instance",
        "it-"
            + transport
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + INSTANCES.incrementAndGet());
    options.put("eep_max_ranks", 4);
    options.put("eep_transport", transport);
    options.put("eep_membership", "zookeeper");
    options.put("eep_tier_bandwidth", "peer=4,host=2,disk=0.5");
    options.put("eep_heartbeat_ms", 200);
    options.put("eep_heartbeat_misses", 10);
    options.put("eep_step_timeout_ms", 2000);
    options.putAll(extra);
    return ProcessCluster.start(EepConfig.of(options), model, line -> System.out.println(line));
  }

  /** Submits requests and returns once {@code tokens} tokens in total were emitted. */
  private static List<CompletableFuture<GenerationResult>> load(
      ProcessCluster c, List<GenerationRequest> requests, int tokens) throws InterruptedException {
    CountDownLatch emitted = new CountDownLatch(tokens);
    List<CompletableFuture<GenerationResult>> out = new ArrayList<>();
    for (GenerationRequest r : requests) {
      out.add(c.submit(r, (id, i, t, owner) -> emitted.countDown()));
    }
    assertThat(emitted.await(5, TimeUnit.MINUTES)).as("first tokens emitted").isTrue();
    return out;
  }

  private static void assertExact(
      List<GenerationRequest> requests, List<CompletableFuture<GenerationResult>> results)
      throws Exception {
    for (int i = 0; i < requests.size(); i++) {
      assertThat(results.get(i).get(5, TimeUnit.MINUTES).tokens())
          .as(requests.get(i).id())
          .isEqualTo(Models.expected(requests.get(i)));
    }
  }

  private static MembershipView await(ProcessCluster c, Predicate<MembershipView> p)
      throws Exception {
    return c.router().observer().awaitView(p, Duration.ofMinutes(3));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tcp", "ucx"})
  void killNineThenRejoinLosesNoRequestAndChangesNoToken(String transport) throws Exception {
    try (ProcessCluster c = start(transport)) {
      List<GenerationRequest> requests = Models.requests(24, 11, 12);
      List<CompletableFuture<GenerationResult>> results = load(c, requests, 40);
      c.kill(1);
      MembershipView failed = await(c, v -> v.slot(1).state() == SlotState.FAILED);
      assertThat(failed.cause()).contains("rank 1 failed");
      assertExact(requests, results);

      c.restart(1);
      await(c, v -> v.slot(1).state() == SlotState.ACTIVE && v.slot(1).incarnation() == 2);
      c.awaitServing(4, Duration.ofMinutes(3));
      List<GenerationRequest> more = Models.requests(16, 12, 8);
      List<CompletableFuture<GenerationResult>> moreResults = load(c, more, 10);
      assertExact(more, moreResults);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ucx"})
  void aStoppedRankIsDetectedByHeartbeatAndMustRejoinAsANewIncarnation(String transport)
      throws Exception {
    try (ProcessCluster c = start(transport)) {
      List<GenerationRequest> requests = Models.requests(24, 21, 12);
      List<CompletableFuture<GenerationResult>> results = load(c, requests, 40);
      c.stop(2);
      MembershipView failed = await(c, v -> v.slot(2).state() == SlotState.FAILED);
      assertThat(failed.cause()).contains("rank 2 failed").doesNotContain("TransportError");
      assertExact(requests, results);

      long fencedBefore = fenced(c);
      c.cont(2);
      // The thawed incarnation is stale: whatever it still sends is dropped and counted; it rejoins
      // as incarnation 2.
      await(c, v -> v.slot(2).state() == SlotState.ACTIVE && v.slot(2).incarnation() == 2);
      c.awaitServing(4, Duration.ofMinutes(3));
      List<GenerationRequest> more = Models.requests(12, 22, 8);
      assertExact(more, load(c, more, 10));
      assertThat(fenced(c))
          .as("messages dropped by fencing on the survivors")
          .isGreaterThan(fencedBefore);
    }
  }

  /**
   * A rank frozen (SIGSTOP) as the others see it activated, before it saw that itself, wakes up to
   * views that went on without it: it must notice it was evicted while forming and join again, not
   * wait for an activation that already came and went.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ucx"})
  void aRankFrozenJustAsItRejoinedIsEvictedAndJoinsAgain(String transport) throws Exception {
    try (ProcessCluster c = start(transport)) {
      List<GenerationRequest> requests = Models.requests(24, 41, 12);
      List<CompletableFuture<GenerationResult>> results = load(c, requests, 20);
      for (int round = 0; round < 3; round++) {
        c.kill(3);
        await(c, v -> v.slot(3).state() == SlotState.FAILED);
        long killed = c.view().slot(3).incarnation();
        c.restart(3);
        await(c, v -> v.slot(3).state() == SlotState.ACTIVE && v.slot(3).incarnation() > killed);
        c.stop(3); // at once: the process may not have seen its own activation yet
        await(c, v -> v.slot(3).state() == SlotState.FAILED);
        long frozen = c.view().slot(3).incarnation();
        c.cont(3);
        MembershipView back =
            await(
                c, v -> v.slot(3).state() == SlotState.ACTIVE && v.slot(3).incarnation() > frozen);
        assertThat(back.activeCount()).isEqualTo(4);
      }
      assertExact(requests, results);
      List<GenerationRequest> more = Models.requests(8, 42, 8);
      assertExact(more, load(c, more, 4));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ucx"})
  void aHotSpareTakesAKilledRanksSlotAndAnotherSpareIsStarted(String transport) throws Exception {
    try (ProcessCluster c = start(transport, Map.of("eep_spare_ranks", 1))) {
      c.awaitSpares(1, Duration.ofMinutes(3));
      List<GenerationRequest> requests = Models.requests(16, 51, 12);
      List<CompletableFuture<GenerationResult>> results = load(c, requests, 20);
      c.kill(2); // nobody restarts it: the spare takes the slot
      MembershipView back =
          await(c, v -> v.slot(2).state() == SlotState.ACTIVE && v.slot(2).incarnation() == 2);
      assertThat(back.activeCount()).isEqualTo(4);
      assertExact(requests, results);
      c.awaitSpares(1, Duration.ofMinutes(3)); // and a new spare waits for the next failure
      List<GenerationRequest> more = Models.requests(8, 52, 8);
      assertExact(more, load(c, more, 4));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ucx"})
  void rankProcessesRebalanceFromTheirPeersAndChangeNoToken(String transport) throws Exception {
    Map<String, Object> periodic =
        Map.of("eep_rebalance_interval_steps", 6, "eep_rebalance_window_steps", 12);
    try (ProcessCluster c = start(transport, periodic, Models.skewed())) {
      List<GenerationRequest> requests = Models.requests(24, 53, 12);
      List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
      for (GenerationRequest r : requests) {
        results.add(c.submit(r, TokenListener.NONE));
      }
      for (int i = 0; i < requests.size(); i++) {
        // A switch moves replicas, so an expert's rows are multiplied in batches of other shapes:
        // exact, or a near tie of the reference itself (ReferenceCheck), as in every other test.
        int[] produced = results.get(i).get(5, TimeUnit.MINUTES).tokens();
        ReferenceCheck check = Models.check(Models.skewed(), requests.get(i), produced);
        assertThat(check.acceptable())
            .as(
                "%s: %s, expected %s",
                requests.get(i).id(),
                check,
                Arrays.toString(Models.expected(Models.skewed(), requests.get(i))))
            .isTrue();
      }
      long switched = 0;
      long peer = 0;
      long host = 0;
      for (int r = 0; r < 4; r++) {
        JsonObject rb = c.status(r).getAsJsonObject("stats").getAsJsonObject("rebalancing");
        switched += rb.get("switched").getAsLong();
        peer += rb.get("peerBytesStaged").getAsLong();
        host += rb.get("hostBytesStaged").getAsLong();
      }
      assertThat(switched).as("rebalances switched on the ranks").isPositive();
      assertThat(peer).as("copied from peers over " + transport).isPositive();
      assertThat(host).as("rank processes keep no host copy").isZero();
    }
  }

  private static long fenced(ProcessCluster c) {
    long sum = 0;
    for (int r : new int[] {0, 1, 3}) {
      JsonObject s = c.status(r);
      if (s != null && s.has("transport")) {
        JsonObject t = s.getAsJsonObject("transport");
        sum +=
            t.get("droppedStaleEpoch").getAsLong() + t.get("droppedStaleIncarnation").getAsLong();
      }
    }
    return sum;
  }
}
