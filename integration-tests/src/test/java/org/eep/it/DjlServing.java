package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;
import org.junit.jupiter.api.Assumptions;

/**
 * A real DJL Serving 0.36.0 started for a test: a fresh server home whose {@code deps/} holds what
 * {@code eep-djl-serving} collected (the folder docs/djl-serving.md tells users to copy), a model
 * store of generated models, and the server's output kept line by line. Where the server lives:
 * {@code DJL_SERVING_HOME}, else {@code ../shared/djl-serving} beside the project; where it is
 * absent the tests are skipped, unless {@code EEP_REQUIRE_DJL_SERVING} is set (CI), which makes
 * that a failure.
 */
final class DjlServing implements AutoCloseable {
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");
  static final Path PROJECT = Path.of("").toAbsolutePath().getParent();
  static final Path DEPS = PROJECT.resolve("eep-djl-serving/target/deps");
  static final Path RANK_LIB = PROJECT.resolve("eep-djl-serving/target/rank-lib");

  final Path home;
  final int port;
  private final Process process;
  private final List<String> output = new ArrayList<>();
  private boolean ended;

  private DjlServing(Path home, int port, Process process) {
    this.home = home;
    this.port = port;
    this.process = process;
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  String plain = ANSI.matcher(line).replaceAll("");
                  System.out.println("[djl-serving] " + plain);
                  synchronized (output) {
                    output.add(plain);
                    output.notifyAll();
                  }
                }
              } catch (IOException e) {
                System.out.println("[djl-serving] output closed: " + e);
              }
              synchronized (output) {
                ended = true;
                output.notifyAll();
              }
            },
            "djl-serving-output");
    pump.setDaemon(true);
    pump.start();
  }

  /** The installation, or the test is skipped (a failure in CI) naming what to set. */
  static Path installation() {
    String env = System.getenv("DJL_SERVING_HOME");
    Path dist =
        env != null ? Path.of(env) : PROJECT.resolveSibling("shared").resolve("djl-serving");
    if (!Files.isExecutable(dist.resolve("bin/serving"))) {
      String why =
          "DJL Serving 0.36.0 is not at "
              + dist
              + " (set DJL_SERVING_HOME to an installation with bin/serving)";
      if (System.getenv("EEP_REQUIRE_DJL_SERVING") != null) {
        fail(why + "; EEP_REQUIRE_DJL_SERVING is set, so this is a failure");
      }
      Assumptions.abort(why);
    }
    assertThat(DEPS)
        .as("eep-djl-serving/target/deps (mvn -pl eep-djl-serving -am package)")
        .isDirectory();
    return dist;
  }

  /**
   * Starts a server whose model store holds one model per entry of {@code models} (a generated tiny
   * checkpoint and that {@code serving.properties}); returns once the server has started or exited.
   */
  static DjlServing start(Map<String, List<String>> models) throws Exception {
    Path dist = installation();
    Path home = Files.createTempDirectory("eep-djl-serving-home");
    Files.createDirectories(home.resolve("deps"));
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(DEPS, "*.jar")) {
      for (Path jar : jars) {
        Files.copy(jar, home.resolve("deps").resolve(jar.getFileName()));
      }
    }
    for (Map.Entry<String, List<String>> m : models.entrySet()) {
      Path dir = Files.createDirectories(home.resolve("models").resolve(m.getKey()));
      for (String f : List.of(MoeConfig.FILE, CheckpointGenerator.WEIGHTS)) {
        Files.copy(Models.tiny().resolve(f), dir.resolve(f));
      }
      Files.write(dir.resolve("serving.properties"), m.getValue());
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(dist.resolve("bin/serving").toString()).redirectErrorStream(true);
    pb.environment().put("MODEL_SERVER_HOME", home.toString());
    pb.environment().put("SERVING_PORT", Integer.toString(port));
    pb.environment().put("EXTRA_CLASSPATH", pytorchJars());
    pb.environment().putIfAbsent("UCX_NET_DEVICES", "lo");
    pb.environment().putIfAbsent("UCX_TLS", "tcp,self");
    DjlServing server = new DjlServing(home, port, pb.start());
    // DJL Serving 0.36 logs "... API bind to: http://..." once it listens, after the models loaded;
    // a model that fails to load ends the process first.
    server.awaitLine(l -> l.contains("API bind to:"));
    return server;
  }

  /** The offline PyTorch native and JNI jars DJL needs, from the rank class path. */
  private static String pytorchJars() throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> jars =
        Files.newDirectoryStream(RANK_LIB, "pytorch-{native,jni}*.jar")) {
      jars.forEach(j -> out.add(j.toString()));
    }
    assertThat(out).as("pytorch native and JNI jars in " + RANK_LIB).hasSize(2);
    return String.join(":", out);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /**
   * Waits (bounded by the test's timeout) until the server printed a line matching {@code p},
   * returning it, or until its output ended (null).
   */
  String awaitLine(Predicate<String> p) throws InterruptedException {
    int seen = 0;
    synchronized (output) {
      while (true) {
        for (; seen < output.size(); seen++) {
          if (p.test(output.get(seen))) {
            return output.get(seen);
          }
        }
        if (ended) {
          return null;
        }
        output.wait();
      }
    }
  }

  /** Everything the server printed so far. */
  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** The server's exit status once it ended. */
  int awaitExit() throws InterruptedException {
    return process.waitFor();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The server's child processes whose command line contains {@code marker}. */
  List<ProcessHandle> children(String marker) {
    return process
        .descendants()
        .filter(
            h -> h.info().arguments().map(a -> String.join(" ", a).contains(marker)).orElse(false))
        .toList();
  }

  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly(); // a timed-out test is interrupted: still leave nothing running
      Thread.currentThread().interrupt();
    } finally {
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
