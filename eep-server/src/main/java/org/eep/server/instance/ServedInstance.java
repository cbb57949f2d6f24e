package org.eep.server.instance;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipView;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.instance.InProcessRanksProvider;
import org.eep.djl.model.MoeConfig;

/**
 * An EP instance a server fronts, whatever its ranks are: threads of this JVM, rank processes this
 * JVM started and supervises, or ranks started elsewhere. Besides requests ({@link EpInstance}),
 * operations drain a rank (a planned leave) or start a slot again as a new incarnation.
 * Thread-safe.
 */
public interface ServedInstance extends EpInstance {

  /**
   * Starts an instance of {@code config} serving {@code model} where {@code eep_ranks} says; when
   * it is not given, rank processes (with an embedded ZooKeeper unless {@code
   * eep_zookeeper_connect} names one) unless the transport is {@code local}, then every rank in
   * this JVM. Returns once every rank serves. {@code log} receives the rank processes' output.
   */
  static ServedInstance start(EepConfig config, Path model, Consumer<String> log) throws Exception {
    requireNonNull(config, "config is null");
    requireNonNull(model, "model is null");
    requireNonNull(log, "log is null");
    String ranks =
        config.asMap().containsKey(EepKeys.RANKS.name())
            ? config.getString(EepKeys.RANKS)
            : config.getString(EepKeys.TRANSPORT).equals("local")
                ? InProcessRanksProvider.NAME
                : ProcessRanksProvider.NAME;
    return switch (ranks) {
      case InProcessRanksProvider.NAME -> InProcessInstance.start(config, model);
      case ProcessRanksProvider.NAME -> ProcessInstance.start(config, model, log);
      case ExternalRanksProvider.NAME -> ProcessInstance.attach(config, model);
      default ->
          throw new ConfigException(
              "Invalid value '"
                  + ranks
                  + "' for "
                  + EepKeys.RANKS.name()
                  + ": expected in_process, processes or external");
    };
  }

  MoeConfig model();

  EepConfig config();

  /** How the ranks run, for people: "4 rank processes over ucx, ZooKeeper at 127.0.0.1:2181". */
  String describe();

  /**
   * What rank {@code r} reports of itself ({@link org.eep.server.rank.RankStatus}: counters, step
   * timings, repairs), or {@code {"process": "not running"}} and the like when it does not answer.
   */
  JsonObject rankStatus(int r);

  /**
   * The experts that would have no replica if rank {@code r} left now (empty: it can be drained).
   */
  int[] missingWithout(int r);

  /**
   * Drains rank {@code r}: no new requests for it, it leaves its slot, and its requests move to the
   * other ranks; returns once asked (the view shows the slot LEFT a moment later).
   */
  void drain(int r) throws Exception;

  /**
   * Starts slot {@code r} again as a new incarnation (its previous one must have ended); returns
   * once asked.
   *
   * @throws IllegalStateException if the previous incarnation still runs, or ranks are started
   *     elsewhere
   */
  void rejoin(int r) throws Exception;

  /** Meters of the instance and its ranks, as this JVM can read them. */
  MeterBinder metrics();

  /**
   * Asks the ranks for a live rebalance at the next step they agree on; false if no rank serves.
   */
  boolean rebalance();

  /**
   * Waits until a view satisfying {@code until} is learned.
   *
   * @return the view, or null if {@code timeout} passed first
   */
  default MembershipView awaitView(Predicate<MembershipView> until, Duration timeout)
      throws InterruptedException {
    try {
      return router().observer().awaitView(until, timeout);
    } catch (TimeoutException e) {
      return null;
    }
  }
}
