package org.eep.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's mistake ends a command with one line naming the cause, exit status 2, no trace. */
class CliErrorsTest {
  private static Path tiny;

  /** What a run printed on standard error and its exit status. */
  record Run(int status, String err) {
    /** The error output is one line (no stack trace). */
    Run oneLine() {
      assertThat(err.strip()).as(err).doesNotContain("\n").doesNotContain("\tat ");
      return this;
    }
  }

  @BeforeAll
  static void model(@TempDir Path dir) throws IOException {
    EepCli.defaults();
    tiny = dir.resolve("tiny");
    CheckpointGenerator.generate(Preset.TINY.config(), 42, tiny, s -> {});
  }

  private static Run run(Map<String, String> env, String... args) {
    StringWriter err = new StringWriter();
    int status = EepCli.execute(args, env, new PrintWriter(err, true));
    return new Run(status, err.toString());
  }

  private static Run run(String... args) {
    return run(Map.of(), args);
  }

  private static final List<String> LOCAL_DEMO =
      List.of(
          "demo",
          "--preset",
          "tiny",
          "--transport",
          "local",
          "--membership",
          "local",
          "--duration",
          "2");

  private static String[] demo(String... more) {
    return Stream.concat(LOCAL_DEMO.stream(), Arrays.stream(more)).toArray(String[]::new);
  }

  @Test
  void aMisspelledKeyNamesTheNearestOne() {
    Run r = run(demo("-o", "eep_transprot=ucx")).oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err())
        .startsWith("eep demo: ")
        .contains("eep_transprot")
        .contains("did you mean 'eep_transport'");
  }

  @Test
  void aMisspelledEnvironmentVariableIsCheckedByEveryCommand() {
    Run r = run(Map.of("OPTION_EEP_TRANSPROT", "ucx"), "config").oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("OPTION_EEP_TRANSPROT").contains("did you mean 'eep_transport'");
  }

  @Test
  void anUnknownProviderListsThoseThatArePresent() {
    Run r = run(demo("-o", "eep_transport=nccl")).oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("'nccl'").contains("local, tcp, ucx");
  }

  @Test
  void aBadValueNamesTheKeyAndWhatItAccepts() {
    Run r = run(demo("-o", "eep_max_batch=lots")).oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("eep_max_batch").contains("lots");
  }

  @Test
  void aTruncatedCheckpointNamesTheFileAndTheRankThatFailedToStart(@TempDir Path dir)
      throws IOException {
    for (String f : List.of("config.json", CheckpointGenerator.WEIGHTS)) {
      Files.copy(tiny.resolve(f), dir.resolve(f));
    }
    try (FileChannel ch =
        FileChannel.open(dir.resolve(CheckpointGenerator.WEIGHTS), StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
    Run r =
        run("serve", "--model", dir.toString(), "--transport", "local", "--port", "0").oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("failed to start").contains("model.safetensors");
  }

  @Test
  void aDirectoryThatIsNoModelSaysHowToMakeOne(@TempDir Path dir) {
    Run r = run("serve", "--model", dir.toString(), "--transport", "local").oneLine();
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("not a model directory").contains("model generate");
  }

  @Test
  void aPortInUseSaysSoAndHowToChooseAnother() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Run r =
          run(
                  "serve",
                  "--model",
                  tiny.toString(),
                  "--transport",
                  "local",
                  "--port",
                  Integer.toString(busy.getLocalPort()))
              .oneLine();
      assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
      assertThat(r.err())
          .contains("cannot listen on 127.0.0.1:" + busy.getLocalPort())
          .contains("--port");
    }
  }

  @Test
  void verboseAddsTheStackTrace() {
    Run r = run(demo("-o", "eep_transprot=ucx", "--verbose"));
    assertThat(r.status()).isEqualTo(EepCli.USER_ERROR);
    assertThat(r.err()).contains("\tat ").contains("did you mean 'eep_transport'");
  }
}
