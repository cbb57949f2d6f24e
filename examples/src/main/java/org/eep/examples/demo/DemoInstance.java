package org.eep.examples.demo;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.repair.ExecutedRepair;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * What {@link DemoRun} drives: an EP instance whose ranks are threads of this JVM ({@link
 * InProcessInstance}) or processes of this machine ({@link ProcessInstance}). The fault methods are
 * called by one thread (the run's fault schedule); the rest from any thread.
 */
interface DemoInstance extends AutoCloseable {
  /** Receives the repairs a rank incarnation carried out since the last poll. */
  interface RepairSink {
    void accept(int rank, long incarnation, List<ExecutedRepair> newRepairs);
  }

  /** One line: how the ranks run. */
  String describe();

  int size();

  CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener);

  MembershipService observer();

  MembershipView view();

  int outstanding();

  /** The incarnation of rank {@code r}'s current thread or process. */
  long incarnation(int r);

  /** Whether rank {@code r}'s thread or process still runs (a frozen one runs). */
  boolean alive(int r);

  /** Whether rank {@code r} runs and serves: not killed, frozen or evicted. */
  boolean running(int r);

  /**
   * Called just before the fault clock starts for a kill or stop of rank {@code r}: a last look at
   * its counters.
   */
  default void beforeFault(int r) {}

  /** Kills rank {@code r} abruptly. */
  void kill(int r) throws Exception;

  /** The rank coordinating membership now (the ZooKeeper leader), if a rank does. */
  OptionalInt coordinator();

  /** Why ranks cannot be frozen here, or null if they can. */
  String stopUnsupported();

  /** What {@link #stop} does, for the event log. */
  String stopText(int r);

  /** Freezes rank {@code r} as {@code SIGSTOP} does. */
  void stop(int r) throws Exception;

  /** What {@link #rejoin} will do, for the event log (called just before it). */
  String rejoinText(int r);

  /**
   * Brings rank {@code r} back as a new incarnation once its old one is out of the instance;
   * returns the condition of a view in which the new incarnation is ACTIVE.
   */
  Predicate<MembershipView> rejoin(int r) throws Exception;

  /**
   * Receives a rank's live-rebalancing event; {@code nanos} is when it happened on this JVM's clock
   * (or when this poll found it, for a rank in another process).
   */
  interface RebalanceSink {
    void accept(int rank, RebalanceEvent event, long nanos);
  }

  /**
   * Hands every rebalancing event and every repair carried out since the last call to {@code
   * rebalances} and {@code repairs} (one look at each rank for both).
   */
  void collect(RebalanceSink rebalances, RepairSink repairs);

  /** How often {@link #collect} should run, ms. */
  long pollMs();

  /**
   * Every rank incarnation's counters and step timings seen during the run (call before {@link
   * #close}).
   */
  List<DemoRun.RankSnapshot> snapshots();

  @Override
  void close();
}
