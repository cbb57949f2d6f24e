package org.eep.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarksDocTest {
  @Test
  void eachSuiteReplacesOnlyItsOwnSection(@TempDir Path dir) throws Exception {
    Path doc = dir.resolve("docs/BENCHMARKS.md");
    BenchmarksDoc.update(doc, "overhead", "## Overhead\nfirst");
    BenchmarksDoc.update(doc, "recovery", "## Recovery\nr1");
    BenchmarksDoc.update(doc, "overhead", "## Overhead\nsecond");
    String text = Files.readString(doc);
    assertThat(text)
        .startsWith("# Benchmarks")
        .contains("second")
        .doesNotContain("first")
        .contains("r1");
    assertThat(text.indexOf("<!-- bench:overhead -->"))
        .isLessThan(text.indexOf("<!-- bench:recovery -->"));
    assertThat(text.split("<!-- bench:overhead -->", -1)).hasSize(2);
  }
}
