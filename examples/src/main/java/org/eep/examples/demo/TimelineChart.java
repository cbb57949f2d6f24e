package org.eep.examples.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eep.api.membership.MembershipView;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code timeline.png}: throughput in 100 ms bins over the run, its 1 s moving average, the 95%
 * target after the fault, and vertical lines at the fault, every epoch change (labelled with the
 * view, e.g. {@code e9[A F A A]}), the end of the recovery pause, and the restart — the
 * fault-timeline figure of the EEP paper.
 */
public final class TimelineChart {
  private static final Color FAULT = new Color(0xD62728);
  private static final Color VIEW = new Color(0x7F7F7F);
  private static final Color RESUME = new Color(0x2CA02C);
  private static final Color REJOIN = new Color(0x1F77B4);
  private static final Color ACTIVE = new Color(0x9467BD);
  private static final Color REBALANCE = new Color(0x17BECF);

  private TimelineChart() {}

  /** Draws the chart of {@code run} into {@code file} (PNG). */
  public static void write(DemoRun.Result run, Metrics m, Path file) throws IOException {
    XYChart chart = chart(run, m);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static XYChart chart(DemoRun.Result run, Metrics m) {
    Scenario s = run.scenario();
    String title =
        String.format(
            Locale.ROOT,
            "EEP demo: %d ranks, preset %s, transport %s, membership %s — recovery pause %s, "
                + "time to 95%% %s, reintegration pause %s",
            s.ranks(),
            s.preset().id(),
            s.transport(),
            s.membership(),
            Units.ms(m.recoveryPauseMs()),
            Units.ms(m.timeTo95Ms()),
            Units.ms(m.reintegrationPauseMs()));
    XYChart chart =
        new XYChartBuilder()
            .width(1400)
            .height(640)
            .title(title)
            .xAxisTitle("time since load start (s)")
            .yAxisTitle("tokens/s")
            .build();
    Styler st = chart.getStyler();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisMin(0.0);
    st.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    st.setAnnotationTextFontColor(Color.DARK_GRAY);

    double[] bins = m.binTokensPerS();
    int n = Math.max(bins.length, 1);
    double[] x = new double[n];
    double[] y = new double[n];
    double[] avg = new double[n];
    double yMax = 1;
    for (int i = 0; i < n; i++) {
      x[i] = (i + 0.5) * Metrics.BIN_MS / 1e3;
      y[i] = i < bins.length ? bins[i] : 0;
      yMax = Math.max(yMax, y[i]);
    }
    int half = Metrics.WINDOW_BINS / 2;
    for (int i = 0; i < n; i++) {
      double sum = 0;
      int c = 0;
      for (int k = Math.max(0, i - half); k < Math.min(n, i + half); k++) {
        sum += y[k];
        c++;
      }
      avg[i] = c == 0 ? 0 : sum / c;
    }
    XYSeries raw = chart.addSeries("tokens/s, 100 ms bins", x, y);
    raw.setMarker(SeriesMarkers.NONE);
    raw.setLineColor(new Color(0x9EC5E8));
    raw.setLineWidth(1f);
    XYSeries smooth = chart.addSeries("1 s average", x, avg);
    smooth.setMarker(SeriesMarkers.NONE);
    smooth.setLineColor(new Color(0x08519C));
    smooth.setLineWidth(2.2f);
    double top = yMax * 1.25;
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(top);
    double end = n * Metrics.BIN_MS / 1e3;
    chart.getStyler().setXAxisMax(end);

    if (m.target95TokensPerS() != null && m.faultMs() != null) {
      XYSeries t =
          chart.addSeries(
              "95% target",
              new double[] {m.faultMs() / 1e3, end},
              new double[] {m.target95TokensPerS(), m.target95TokensPerS()});
      t.setMarker(SeriesMarkers.NONE);
      t.setLineColor(new Color(0xFF7F0E));
      t.setLineStyle(SeriesLines.DASH_DASH);
      t.setLineWidth(1.2f);
    }

    Set<String> legend = new HashSet<>();
    List<double[]> labels = new ArrayList<>();
    for (Recorder.ViewRecord v : run.recorder().views()) {
      double t = run.recorder().ms(v.nanos()) / 1e3;
      if (t <= 0.05) {
        continue; // the view the load started in
      }
      MembershipView view = v.view();
      vertical(chart, legend, "epoch change", t, top, VIEW, SeriesLines.DOT_DOT);
      label(chart, labels, view.summary(), t, top);
    }
    for (Recorder.Event e : run.recorder().events()) {
      double t = run.recorder().ms(e.nanos()) / 1e3;
      switch (e.kind()) {
        case "kill", "stop" -> {
          vertical(chart, legend, e.kind(), t, top, FAULT, SeriesLines.SOLID);
          label(chart, labels, e.kind() + " rank " + e.rank(), t, top);
        }
        case "rejoin" -> {
          vertical(chart, legend, "restart", t, top, REJOIN, SeriesLines.SOLID);
          label(chart, labels, "restart rank " + e.rank(), t, top);
        }
        case "rebalance" -> {
          vertical(chart, legend, "rebalance switch", t, top, REBALANCE, SeriesLines.DASH_DOT);
          label(chart, labels, "rebalance", t, top);
        }
        default -> {}
      }
    }
    if (m.resumeMs() != null) {
      vertical(
          chart,
          legend,
          "recovery pause ends",
          m.resumeMs() / 1e3,
          top,
          RESUME,
          SeriesLines.DASH_DASH);
    }
    if (m.activationMs() != null) {
      vertical(
          chart,
          legend,
          "rank active again",
          m.activationMs() / 1e3,
          top,
          ACTIVE,
          SeriesLines.DASH_DASH);
    }
    if (m.faultMs() != null && m.timeTo95Ms() != null) {
      vertical(
          chart,
          legend,
          "95% reached",
          (m.faultMs() + m.timeTo95Ms()) / 1e3,
          top,
          new Color(0xFF7F0E),
          SeriesLines.DOT_DOT);
    }
    return chart;
  }

  private static void vertical(
      XYChart chart,
      Set<String> legend,
      String name,
      double t,
      double top,
      Color color,
      BasicStroke style) {
    String id =
        legend.add(name)
            ? name
            : name + " @" + String.format(Locale.ROOT, "%.3f", t) + "#" + legend.size();
    legend.add(id);
    XYSeries s = chart.addSeries(id, new double[] {t, t}, new double[] {0, top});
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color);
    s.setLineStyle(style);
    s.setLineWidth(1.4f);
    s.setShowInLegend(id.equals(name));
  }

  /**
   * Puts a label near the top right of {@code t}, in one of six lanes so that close labels do not
   * overlap.
   */
  private static void label(
      XYChart chart, List<double[]> placed, String text, double t, double top) {
    int chosen = 0;
    for (int l = 0; l < 6; l++) {
      boolean free = true;
      for (double[] p : placed) {
        if (p[1] == l && Math.abs(p[0] - t) < 0.08 * Math.max(1, chart.getStyler().getXAxisMax())) {
          free = false;
          break;
        }
      }
      if (free) {
        chosen = l;
        break;
      }
    }
    placed.add(new double[] {t, chosen});
    // AnnotationText centres the text on x: shift it right of the line (about 6.5 px per character
    // of a 1300 px plot).
    double unitsPerPx = chart.getStyler().getXAxisMax() / 1300.0;
    chart.addAnnotation(
        new AnnotationText(
            text,
            t + (text.length() * 3.3 + 5) * unitsPerPx,
            top * (0.97 - 0.045 * chosen),
            false));
  }
}
