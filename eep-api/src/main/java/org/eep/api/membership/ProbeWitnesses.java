package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The failed probes a coordinator was told of, for {@link MembershipRules}' majority rule: which
 * ranks reported a {@link Evidence.ProbeFailed} against which incarnation, and when the report was
 * made (by one clock for all reports: the coordinator's, or the ZooKeeper server's creation time of
 * the request). A reporter repeats its report while the suspect stays silent, so the reports of one
 * stall come close together: a report counts only if it was made within {@code window} of the
 * newest report against the same incarnation, and two stalls far apart never add up to a majority,
 * however late the reports are read (a backlog left by a frozen coordinator).
 *
 * <p>Not thread-safe: owned by one coordinator (or one decision), used under its lock or on its
 * thread.
 */
public final class ProbeWitnesses {
  private record Suspect(int rank, long incarnation) {}

  private final long windowMillis;
  private final Map<Suspect, Map<Integer, Long>> reports = new HashMap<>();

  /** Reports count within {@code window} of the newest one. */
  public ProbeWitnesses(Duration window) {
    requireNonNull(window, "window is null");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    this.windowMillis = window.toMillis();
  }

  /**
   * Records {@code report}, made at {@code atMillis}; a reporter's newer report replaces its older
   * one, and reports that can no longer count are forgotten.
   */
  public void record(Evidence.ProbeFailed report, long atMillis) {
    requireNonNull(report, "report is null");
    Map<Integer, Long> by =
        reports.computeIfAbsent(
            new Suspect(report.suspect(), report.incarnation()), k -> new HashMap<>());
    by.merge(report.reporter(), atMillis, Math::max);
    long newest = by.values().stream().mapToLong(Long::longValue).max().orElse(atMillis);
    by.values().removeIf(at -> newest - at > windowMillis);
  }

  /** The ranks whose report against this incarnation counts, in ascending order. */
  public Set<Integer> of(int rank, long incarnation) {
    return new TreeSet<>(reports.getOrDefault(new Suspect(rank, incarnation), Map.of()).keySet());
  }
}
