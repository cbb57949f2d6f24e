package org.eep.examples.bench;

import static java.util.Objects.requireNonNull;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eep.examples.Logs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --out} and {@code --doc} of a benchmark suite, a picocli mixin: the suite writes {@code
 * NAME.json} (and {@code NAME.log}) into {@code --out} and its report into {@code --doc}, NAME
 * being the suite's command name.
 */
public final class SuiteFiles {
  /** Pretty JSON with Gson's defaults otherwise (nulls left out, HTML characters escaped). */
  public static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().create();

  private static final String OUT_HELP = "Directory for ${COMMAND-NAME}.json.";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec suite;

  @Mixin private final OutDir out;

  @Option(names = "--doc", description = "Markdown report (default: ${DEFAULT-VALUE}).")
  private Path doc;

  private SuiteFiles(OutDir out, String defaultDoc) {
    this.out = out;
    this.doc = Path.of(requireNonNull(defaultDoc, "defaultDoc is null"));
  }

  /** {@code --out} must be given; {@code --doc} defaults to {@code defaultDoc}. */
  public static SuiteFiles required(String defaultDoc) {
    return new SuiteFiles(new RequiredOut(), defaultDoc);
  }

  /**
   * {@code --out} defaults to {@code target/bench}, {@code --doc} to {@code docs/BENCHMARKS.md}.
   */
  public static SuiteFiles inTarget() {
    return new SuiteFiles(new TargetOut(), "docs/BENCHMARKS.md");
  }

  /** The suite's name: its command's. */
  public String name() {
    return suite.name();
  }

  public Path out() {
    return out.dir();
  }

  public Path doc() {
    return doc;
  }

  /** Sends every log line of this JVM to {@code NAME.log} in {@code --out} (see {@link Logs}). */
  public void logToFile() throws IOException {
    Files.createDirectories(out());
    Logs.toFile(out().resolve(name() + ".log"));
  }

  /** The first entries of the suite's JSON: benchmark (its name), command, date and java. */
  public Map<String, Object> jsonHeader(String command) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", name());
    json.put("command", command);
    json.put("date", Instant.now().toString());
    json.put("java", Machine.java());
    return json;
  }

  /** Writes {@code json} to {@code NAME.json} in {@code --out} (created if needed); returns it. */
  public Path writeJson(String json) throws IOException {
    Files.createDirectories(out());
    Path file = out().resolve(name() + ".json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * Writes {@code json} (see {@link #writeJson}) and the suite's section of {@code --doc} (a file
   * titled {@code titleIfNew} if new), then prints the section and where both went.
   */
  public void publish(String json, String section, String titleIfNew) throws IOException {
    Path file = writeJson(json);
    updateDoc(section, titleIfNew);
    System.out.print(section);
    System.out.println("wrote " + file + " and " + doc);
  }

  /** The report's line on how to reproduce it with {@code command}. */
  public String reproduce(String command) {
    return "Reproduce: `"
        + command
        + "` (writes `"
        + name()
        + ".json` there and this section).\n\n";
  }

  /** Replaces the suite's section of {@code --doc} (see {@link BenchmarksDoc#update}). */
  public void updateDoc(String body) throws IOException {
    BenchmarksDoc.update(doc, name(), body);
  }

  /** Replaces the suite's section of {@code --doc}, a file titled {@code titleIfNew} if new. */
  public void updateDoc(String body, String titleIfNew) throws IOException {
    BenchmarksDoc.update(doc, name(), body, titleIfNew);
  }

  /** The {@code --out} option, in two kinds: with a default and without. */
  private abstract static class OutDir {
    private Path dir;

    final Path dir() {
      return dir;
    }

    final void set(Path dir) {
      this.dir = dir;
    }
  }

  private static final class RequiredOut extends OutDir {
    @Option(names = "--out", required = true, description = OUT_HELP)
    void out(Path dir) {
      set(dir);
    }
  }

  private static final class TargetOut extends OutDir {
    @Option(names = "--out", defaultValue = "target/bench", description = OUT_HELP)
    void out(Path dir) {
      set(dir);
    }
  }
}
