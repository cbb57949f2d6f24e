package org.eep.examples.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eep.api.membership.MembershipView;

/**
 * Everything a run observes, stamped with {@link System#nanoTime}: every emitted token (time and
 * the rank that emitted it), every membership view as the observer learned it, fault actions,
 * repairs and notes, and the submitted requests. Thread-safe; appends are cheap because the token
 * listener runs on rank threads.
 */
public final class Recorder {
  /** A membership view and when it was learned. */
  public record ViewRecord(long nanos, MembershipView view) {}

  /** Something that happened: a fault action, a view change, a repair, a note. */
  public record Event(long nanos, String kind, int rank, String text) {}

  private final long t0;
  private long[] tokenNanos = new long[1 << 14];
  private int[] tokenRanks = new int[1 << 14];
  private int tokens;
  private final List<ViewRecord> views = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private final List<RequestRecord> requests = new ArrayList<>();

  /** Starts the clock: times are reported relative to now. */
  public Recorder() {
    this.t0 = System.nanoTime();
  }

  public long t0() {
    return t0;
  }

  /** Milliseconds since the start of the run. */
  public double ms(long nanos) {
    return (nanos - t0) / 1e6;
  }

  public double nowMs() {
    return ms(System.nanoTime());
  }

  void token(long nanos, int rank) {
    synchronized (this) {
      if (tokens == tokenNanos.length) {
        tokenNanos = Arrays.copyOf(tokenNanos, tokens * 2);
        tokenRanks = Arrays.copyOf(tokenRanks, tokens * 2);
      }
      tokenNanos[tokens] = nanos;
      tokenRanks[tokens] = rank;
      tokens++;
    }
  }

  public synchronized int tokenCount() {
    return tokens;
  }

  /** Tokens emitted at or after {@code sinceNanos}. */
  public synchronized int tokensSince(long sinceNanos) {
    int n = 0;
    for (int i = tokens - 1; i >= 0 && tokenNanos[i] >= sinceNanos; i--) {
      n++;
    }
    return n;
  }

  /** Token times in ms since the start, and the emitting ranks, sorted by time. */
  public synchronized double[][] tokenTimeline() {
    Integer[] order = new Integer[tokens];
    for (int i = 0; i < tokens; i++) {
      order[i] = i;
    }
    long[] t = tokenNanos;
    Arrays.sort(order, (a, b) -> Long.compare(t[a], t[b]));
    double[] ms = new double[tokens];
    double[] ranks = new double[tokens];
    for (int i = 0; i < tokens; i++) {
      ms[i] = ms(t[order[i]]);
      ranks[i] = tokenRanks[order[i]];
    }
    return new double[][] {ms, ranks};
  }

  synchronized void view(MembershipView v) {
    views.add(new ViewRecord(System.nanoTime(), v));
    notifyAll();
  }

  /**
   * Waits until a view of epoch {@code >= epoch} has been recorded: the observer's current view can
   * be ahead of its listeners, and a report must not be cut before the view it is waiting for
   * lands.
   */
  synchronized boolean awaitRecorded(long epoch, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (views.isEmpty() || views.get(views.size() - 1).view().epoch() < epoch) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  public synchronized List<ViewRecord> views() {
    return List.copyOf(views);
  }

  public synchronized MembershipView latestView() {
    return views.isEmpty() ? null : views.get(views.size() - 1).view();
  }

  public void event(String kind, int rank, String text) {
    event(System.nanoTime(), kind, rank, text);
  }

  synchronized void event(long nanos, String kind, int rank, String text) {
    events.add(new Event(nanos, kind, rank, text));
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** The last {@code n} events. */
  public synchronized List<Event> recentEvents(int n) {
    return List.copyOf(events.subList(Math.max(0, events.size() - n), events.size()));
  }

  synchronized void request(RequestRecord r) {
    requests.add(r);
  }

  public synchronized List<RequestRecord> requests() {
    return List.copyOf(requests);
  }

  /** Counts of requests by outcome. */
  public synchronized int[] outcomeCounts() {
    int[] c = new int[RequestRecord.Outcome.values().length];
    for (RequestRecord r : requests) {
      c[r.outcome().ordinal()]++;
    }
    return c;
  }
}
