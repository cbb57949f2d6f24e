package org.eep.examples.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.examples.DaemonThreads;

/**
 * The demo's terminal view. With a terminal it redraws a fixed block in place (ANSI escapes):
 * progress bar, tokens/s, active ranks, epoch, request counts and the recent events (view changes
 * with their causes, repairs, faults). Without one ({@code System.console() == null} or {@code
 * CI=true}) it prints plain lines: each event as it happens and a status line every 2 s.
 */
public final class LiveView implements AutoCloseable {
  private static final int EVENT_LINES = 8;

  private final DemoRun run;
  private final PrintStream out;
  private final boolean ansi;
  private final int width;
  private final ScheduledExecutorService ticker;
  private int drawnLines;
  private int eventsPrinted;
  private long lastStatus;

  public LiveView(DemoRun run, PrintStream out, boolean ansi) {
    this.run = run;
    this.out = out;
    this.ansi = ansi;
    int cols = 110;
    try {
      String c = System.getenv("COLUMNS");
      if (c != null) {
        cols = Math.max(60, Integer.parseInt(c.trim()));
      }
    } catch (NumberFormatException e) {
      // keep the default
    }
    this.width = cols;
    this.ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("eep-demo-view"));
  }

  /** True when the terminal can be redrawn in place. */
  public static boolean ansiCapable() {
    return System.console() != null
        && !"true".equalsIgnoreCase(System.getenv("CI"))
        && !"dumb".equals(System.getenv("TERM"));
  }

  public LiveView start() {
    ticker.scheduleAtFixedRate(this::tick, 0, ansi ? 200 : 250, TimeUnit.MILLISECONDS);
    return this;
  }

  private synchronized void tick() {
    try {
      if (ansi) {
        redraw(lines());
      } else {
        plain();
      }
    } catch (RuntimeException e) {
      // the view must never take the run down
    }
  }

  /** Draws the final state and stops redrawing. */
  @Override
  public synchronized void close() {
    ticker.shutdownNow();
    if (ansi) {
      redraw(lines());
    } else {
      plain();
    }
  }

  private List<String> lines() {
    List<String> l = new ArrayList<>();
    Scenario s = run.scenario();
    Recorder rec = run.recorder();
    DemoRun.Phase phase = run.phase();
    double t = rec == null ? 0 : rec.nowMs() / 1e3;
    double frac = Math.min(1, t / s.durationSeconds());
    int barWidth = Math.max(10, Math.min(50, width - 40));
    int filled = (int) Math.round(frac * barWidth);
    String status =
        switch (phase) {
          case STARTING -> "starting ranks";
          case RUNNING ->
              String.format(
                  Locale.ROOT,
                  "%5.1f s / %.0f s",
                  Math.min(t, s.durationSeconds()),
                  s.durationSeconds());
          case DRAINING -> "load done; draining in-flight requests";
          case VERIFYING -> verifying();
          case DONE -> "done";
        };
    l.add("[" + "#".repeat(filled) + ".".repeat(barWidth - filled) + "] " + status);
    if (rec != null) {
      int tps = rec.tokensSince(System.nanoTime() - 1_000_000_000L);
      int[] o = rec.outcomeCounts();
      l.add(
          String.format(
              Locale.ROOT,
              "tokens/s %6d   tokens %8d   requests: submitted %d, completed %d, in flight %d, lost %d, rejected %d",
              tps,
              rec.tokenCount(),
              rec.requests().size(),
              o[RequestRecord.Outcome.COMPLETED.ordinal()],
              o[RequestRecord.Outcome.PENDING.ordinal()],
              o[RequestRecord.Outcome.FAILED.ordinal()],
              o[RequestRecord.Outcome.REJECTED.ordinal()]));
      MembershipView v = rec.latestView();
      l.add(
          v == null
              ? "epoch -"
              : String.format(
                  Locale.ROOT,
                  "epoch %d   ranks %s   %d of %d active%s",
                  v.epoch(),
                  slots(v),
                  v.activeCount(),
                  v.maxRanks(),
                  v.state() == InstanceState.FAILED ? "   INSTANCE FAILED" : ""));
      l.add("recent events:");
      List<Recorder.Event> ev = rec.recentEvents(EVENT_LINES);
      for (Recorder.Event e : ev) {
        l.add("  " + event(rec, e));
      }
      for (int i = ev.size(); i < EVENT_LINES; i++) {
        l.add("");
      }
    }
    return l;
  }

  private String verifying() {
    Verifier v = run.verifier();
    return v == null || v.total() == 0
        ? "checking tokens against the reference model"
        : "checking tokens against the reference model: "
            + v.done()
            + "/"
            + v.total()
            + " requests";
  }

  private static String slots(MembershipView v) {
    StringBuilder sb = new StringBuilder();
    for (Slot s : v.slots()) {
      sb.append(sb.length() == 0 ? "" : " ").append(s.state().name().charAt(0));
    }
    return sb.toString();
  }

  private static String event(Recorder rec, Recorder.Event e) {
    return String.format(
        Locale.ROOT, "%7.2f s  %-7s %s", rec.ms(e.nanos()) / 1e3, e.kind(), e.text());
  }

  private void redraw(List<String> lines) {
    StringBuilder sb = new StringBuilder();
    if (drawnLines > 0) {
      sb.append("\033[").append(drawnLines).append('F');
    }
    for (String line : lines) {
      sb.append("\033[2K")
          .append(line.length() > width - 1 ? line.substring(0, width - 2) + "…" : line)
          .append('\n');
    }
    for (int i = lines.size(); i < drawnLines; i++) {
      sb.append("\033[2K\n");
    }
    drawnLines = Math.max(drawnLines, lines.size());
    out.print(sb);
    out.flush();
  }

  private void plain() {
    Recorder rec = run.recorder();
    if (rec == null) {
      return;
    }
    List<Recorder.Event> ev = rec.events();
    for (int i = eventsPrinted; i < ev.size(); i++) {
      out.println(event(rec, ev.get(i)));
    }
    eventsPrinted = ev.size();
    long now = System.nanoTime();
    if (now - lastStatus >= 2_000_000_000L || run.phase() == DemoRun.Phase.DONE) {
      lastStatus = now;
      List<String> l = lines();
      out.println(l.get(0) + " | " + l.get(1) + " | " + l.get(2));
    }
    out.flush();
  }
}
