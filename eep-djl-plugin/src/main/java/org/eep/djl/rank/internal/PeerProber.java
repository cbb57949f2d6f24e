package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a frozen peer on the data plane, faster than its heartbeats running out: suspicion, probe,
 * report. Only between ACTIVE ranks: they are connected both ways (a probe's answer travels on the
 * answerer's own connection), while a JOINING rank may not be yet, and serves nothing. Every tick
 * it looks at when each ACTIVE peer was last heard from ({@link Transport#lastHeard}, any frame at
 * all); a peer silent for {@code probeAfter} is sent a {@link Phase#PROBE}, which the peer's
 * transport answers from its I/O thread — a rank busy computing answers, a process stopped by
 * SIGSTOP (or paused longer than both settings) cannot. A probe unanswered (nothing at all heard
 * from the peer) for {@code probeTimeout} is reported as {@link Evidence.ProbeFailed}; while the
 * peer stays silent it is probed and reported again every third of the timeout (a coordinator that
 * does not answer — it may be the frozen one — is then bypassed by the membership provider). The
 * coordinator evicts once a majority of the suspect's peers report it, so one starved prober never
 * evicts a healthy peer alone. A peer whose link broke is not probed but judged the same way: its
 * transport error evicts it at once, unless the coordinator was that peer (a killed leader keeps
 * its leadership until its session expires); the repeated probe reports then bypass it too.
 *
 * <p>A peer is judged only after {@link #WARM_UP} of seeing it ACTIVE. A rank reports only while it
 * hears from some other peer within a probe cycle: a stall of the whole machine (every JVM starved
 * at once, as at start-up on two cores) silences every peer, and every rank would otherwise report
 * every other. In an instance of two a lone report evicts nobody ({@link
 * org.eep.api.membership.MembershipRules} wants two witnesses).
 *
 * <p>A tick that comes late by more than half a probe timeout means this process itself was paused
 * (a GC pause, a starved machine, its own SIGSTOP): the probes in flight are forgotten and silence
 * is counted from then, so a rank never reports peers for a gap it caused.
 *
 * <p>Threading: one daemon thread ({@code eep-rank-N-probe}) owns all state; {@link #close} from
 * any thread.
 */
final class PeerProber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerProber.class);
  private static final ByteBuffer[] EMPTY = new ByteBuffer[0];

  private final int rank;
  private final Transport transport;
  private final Consumer<Evidence> reports;
  private final Supplier<MembershipView> applied;
  private final LongSupplier incarnation;
  private final IntPredicate usable;
  private final RankCounters counters;
  private final long afterNanos;
  private final long timeoutNanos;
  private final long tickNanos;
  private final long repeatNanos;
  private final Map<Integer, Watch> watches = new HashMap<>();
  private final LongSupplier clock;
  private ScheduledExecutorService thread;
  private long lastTick;
  private long sequence;

  /**
   * How long a peer is left unprobed after this rank first sees it ACTIVE (and after this rank
   * itself becomes ACTIVE): its first steps compile and allocate, and on two shared cores a rank
   * process then went unanswering for over half a second (the session still covers a freeze then).
   */
  static final Duration WARM_UP = Duration.ofSeconds(5);

  /** What this rank knows of one peer incarnation's silence. */
  private static final class Watch {
    final long incarnation;
    final long since;
    long silentSince;
    long probedAt = -1;
    boolean reported;
    boolean held;

    Watch(long incarnation, long now) {
      this.incarnation = incarnation;
      this.since = now;
      this.silentSince = now;
    }
  }

  /**
   * A prober of the ACTIVE members of the {@code applied} view, reporting to {@code reports} (the
   * membership); {@code usable} says whether a peer's link still works (false once a transport
   * error was reported: the peer is then not probed but judged as one that does not answer); a zero
   * {@code probeAfter} means never. {@code clock} is {@link System#nanoTime} but in tests. Probes
   * once {@link #start}ed.
   */
  PeerProber(
      int rank,
      Transport transport,
      Consumer<Evidence> reports,
      Supplier<MembershipView> applied,
      LongSupplier incarnation,
      IntPredicate usable,
      RankCounters counters,
      Duration probeAfter,
      Duration probeTimeout,
      LongSupplier clock) {
    this.rank = rank;
    this.transport = requireNonNull(transport, "transport is null");
    this.reports = requireNonNull(reports, "reports is null");
    this.applied = requireNonNull(applied, "applied is null");
    this.incarnation = requireNonNull(incarnation, "incarnation is null");
    this.usable = requireNonNull(usable, "usable is null");
    this.counters = requireNonNull(counters, "counters is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.lastTick = clock.getAsLong();
    this.afterNanos = requireNonNull(probeAfter, "probeAfter is null").toNanos();
    this.timeoutNanos = requireNonNull(probeTimeout, "probeTimeout is null").toNanos();
    this.tickNanos =
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(afterNanos, timeoutNanos) / 6);
    this.repeatNanos = Math.max(tickNanos, timeoutNanos / 3);
  }

  /** Starts the probing thread; once. */
  synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("rank " + rank + ": the prober was started already");
    }
    lastTick = clock.getAsLong();
    thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "eep-rank-" + rank + "-probe");
              t.setDaemon(true);
              return t;
            });
    if (afterNanos > 0) {
      thread.scheduleWithFixedDelay(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** One round: every ACTIVE peer is looked at once. On the probing thread (or a test's). */
  void tick() {
    long now = clock.getAsLong();
    try {
      boolean paused = now - lastTick > tickNanos + timeoutNanos / 2;
      MembershipView v = applied.get();
      if (v == null
          || v.slot(rank).incarnation() != incarnation.getAsLong()
          || v.slot(rank).state() != SlotState.ACTIVE) {
        watches.clear();
        return;
      }
      watches.keySet().removeIf(p -> v.slot(p).state() != SlotState.ACTIVE);
      List<Slot> peers =
          v.slots().stream()
              .filter(s -> s.rank() != rank && s.state() == SlotState.ACTIVE)
              .toList();
      for (Slot s : peers) {
        watch(s, now, paused, peers);
      }
    } catch (RuntimeException e) {
      LOG.warn("rank {}: a probe round failed", rank, e);
    } finally {
      // From the end of this round: a slow round (a report waits for ZooKeeper) is no pause.
      lastTick = clock.getAsLong();
    }
  }

  private void watch(Slot s, long now, boolean paused, List<Slot> peers) {
    Watch w = watches.get(s.rank());
    if (w == null || w.incarnation != s.incarnation()) {
      w = new Watch(s.incarnation(), now);
      watches.put(s.rank(), w);
    }
    if (now - w.since < WARM_UP.toNanos()) {
      return;
    }
    OptionalLong heard = transport.lastHeard(s.rank());
    if (paused) {
      w.silentSince = now;
      w.probedAt = -1;
    }
    if (heard.isPresent() && heard.getAsLong() - w.silentSince > 0) {
      w.silentSince = heard.getAsLong();
      if (w.probedAt >= 0) {
        counters.probesAnswered.increment();
        if (w.reported) {
          LOG.info("rank {} hears from rank {} again", rank, s.rank());
        }
      }
      w.probedAt = -1;
      w.reported = false;
      w.held = false;
    }
    if (w.probedAt < 0) {
      if (now - w.silentSince >= afterNanos) {
        probe(s, now, w);
      }
      return;
    }
    if (now - w.probedAt >= (w.reported ? repeatNanos : timeoutNanos)) {
      if (peers.size() < 2 || heardFromAnother(s, now, peers)) {
        report(s, now, w);
      } else {
        w.probedAt = now; // judge again after a repeat interval
        if (!w.held) {
          LOG.info(
              "rank {} hears from none of its peers: not reporting rank {} (this rank or the whole"
                  + " instance stalls)",
              rank,
              s.rank());
        }
        w.held = true;
      }
      probe(s, now, w);
    }
  }

  /**
   * Whether some peer other than {@code suspect} was heard from within a probe cycle: a frozen peer
   * is the only silent one, while a stall of this process or of the whole machine silences them all
   * (every rank would then report every other).
   */
  private boolean heardFromAnother(Slot suspect, long now, List<Slot> peers) {
    for (Slot p : peers) {
      OptionalLong at =
          p.rank() == suspect.rank() ? OptionalLong.empty() : transport.lastHeard(p.rank());
      if (at.isPresent() && now - at.getAsLong() < afterNanos + timeoutNanos) {
        return true;
      }
    }
    return false;
  }

  private void probe(Slot s, long now, Watch w) {
    if (!usable.test(s.rank())) {
      // Its link broke (the transport error is reported): no probe can reach it and none is
      // answered. Judged as a silent peer, so that a coordinator that died with it, and leaves
      // the transport error unanswered, is bypassed as a frozen one is.
      if (w.probedAt < 0) {
        w.probedAt = now;
      }
      return;
    }
    try {
      transport.send(
          s.rank(),
          new MessageHeader(
              rank, incarnation.getAsLong(), applied.get().epoch(), ++sequence, 0, Phase.PROBE, 0),
          EMPTY);
      counters.probesSent.increment();
      w.probedAt = now;
    } catch (TransportException e) {
      // Not connected yet, or the link broke (reported by the transport): probe next tick.
      LOG.debug("rank {} cannot probe rank {}: {}", rank, s.rank(), e.getMessage());
    }
  }

  private void report(Slot s, long now, Watch w) {
    long silentMs = TimeUnit.NANOSECONDS.toMillis(now - w.silentSince);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(now - w.probedAt);
    if (!w.reported) {
      LOG.info(
          "rank {} suspects rank {}: silent for {} ms, no answer to a probe in {} ms; reported",
          rank,
          s.rank(),
          silentMs,
          waitedMs);
    }
    w.reported = true;
    w.probedAt = now; // the next report waits a repeat interval even if no probe can be sent
    counters.probesFailed.increment();
    try {
      reports.accept(
          new Evidence.ProbeFailed(
              s.rank(),
              s.incarnation(),
              rank,
              "silent for " + silentMs + " ms, no answer to a probe in " + waitedMs + " ms"));
    } catch (MembershipException e) {
      LOG.warn("rank {} could not report rank {}: {}", rank, s.rank(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
  }
}
