package org.eep.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code docs/BENCHMARKS.md}: each suite owns the section between {@code <!-- bench:NAME -->} and
 * {@code <!-- /bench:NAME -->} and replaces it on every run; the rest of the file is left as it is.
 * A missing file is created with a header; a missing section is appended.
 */
public final class BenchmarksDoc {
  static final String HEADER =
      """
      # Benchmarks

      Numbers measured by `./eep bench ...` on this project's machines (2 cores, CPU PyTorch, every rank a thread
      of one JVM unless a section says otherwise). Each suite replaces only its own section; the command that
      reproduces a section is in it. Metric definitions: the Javadoc of the demo's `Metrics` class.

      """;

  private BenchmarksDoc() {}

  /**
   * Replaces (or appends) section {@code name} of {@code doc} (docs/BENCHMARKS.md, created with its
   * header) with {@code body}.
   */
  public static void update(Path doc, String name, String body) throws IOException {
    update(doc, name, body, HEADER);
  }

  /**
   * Replaces (or appends) section {@code name} of {@code doc}, creating the file with {@code
   * titleIfNew} if missing.
   */
  public static void update(Path doc, String name, String body, String titleIfNew)
      throws IOException {
    String begin = "<!-- bench:" + name + " -->";
    String end = "<!-- /bench:" + name + " -->";
    String text =
        Files.exists(doc)
            ? Files.readString(doc, StandardCharsets.UTF_8)
            : titleIfNew.strip() + "\n\n";
    String section = begin + "\n" + body.strip() + "\n" + end;
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    String updated;
    if (b >= 0 && e > b) {
      updated = text.substring(0, b) + section + text.substring(e + end.length());
    } else {
      updated = text.stripTrailing() + "\n\n" + section + "\n";
    }
    if (doc.getParent() != null) {
      Files.createDirectories(doc.getParent());
    }
    Files.writeString(doc, updated, StandardCharsets.UTF_8);
  }
}
