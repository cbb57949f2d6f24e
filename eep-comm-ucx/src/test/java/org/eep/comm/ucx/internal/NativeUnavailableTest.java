package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.TransportException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * When JUCX cannot load its native library, creating the transport fails with a {@link
 * TransportException} naming the package to install, every time (not only the first). JUCX extracts
 * {@code libjucx.so} to {@code java.io.tmpdir}; a child JVM whose tmpdir does not exist takes the
 * same failure path as a host without {@code libucp.so.0}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NativeUnavailableTest {

  @Test
  void createFailsWithTheInstallHintWhenTheNativeLibraryCannotLoad(@TempDir Path dir)
      throws Exception {
    List<String> lines = runChild("-Djava.io.tmpdir=" + dir.resolve("missing"));
    assertThat(lines)
        .hasSize(2)
        .allSatisfy(
            line ->
                assertThat(line)
                    .startsWith("FAILED " + TransportException.class.getName())
                    .contains("libucp.so.0")
                    .contains("apt-get install libucx0"));
  }

  @Test
  void theMessageNamesTheCauseAndThePackage() {
    TransportException e =
        UcxNative.unavailable(
            new UnsatisfiedLinkError("libucp.so.0: cannot open shared object file"));
    assertThat(e.getMessage())
        .contains("cannot open shared object file")
        .contains("apt-get install libucx0");
    assertThat(e.peer()).isEqualTo(-1);
    assertThat(e.getCause()).isInstanceOf(UnsatisfiedLinkError.class);
  }

  private static List<String> runChild(String property) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    property,
                    "-cp",
                    System.getProperty("java.class.path"),
                    NativeUnavailableProcess.class.getName()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor()).isZero();
    return out.lines().toList();
  }
}
