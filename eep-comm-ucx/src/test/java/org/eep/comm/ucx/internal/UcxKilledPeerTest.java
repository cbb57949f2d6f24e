package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer in another process dies by SIGKILL: the survivor learns it from UCX, without sending. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UcxKilledPeerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Test
  void aKilledPeerIsReportedToListenersAndEndsWaitsOnIt() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    PeerProcess.class.getName()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(0, 2, "127.0.0.1", 0))) {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String address = out.readLine();
      assertThat(address).startsWith("ADDRESS ucx://127.0.0.1:");
      CountDownLatch reported = new CountDownLatch(1);
      AtomicInteger reports = new AtomicInteger();
      t.addPeerErrorListener(
          (peer, cause) -> {
            if (peer == 1) {
              reports.incrementAndGet();
              reported.countDown();
            }
          });
      t.connect(1, address.substring("ADDRESS ".length()));
      t.send(
          1,
          new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0),
          ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
      assertThat(out.readLine()).isEqualTo("READY hello");

      child.destroyForcibly();
      child.waitFor();

      assertThat(reported.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("peer error for rank 1 reported")
          .isTrue();
      assertThatThrownBy(() -> t.receive(new MessageKey(1, 0, 1, 0, Phase.COMBINE, 0), PATIENCE))
          .isInstanceOf(PeerFailedException.class);
      assertThatThrownBy(
              () ->
                  t.send(
                      1,
                      new MessageHeader(0, 0, 0, 1, 0, Phase.CONTROL, 0),
                      ByteBuffer.allocate(1)))
          .isInstanceOf(PeerFailedException.class);
      assertThat(reports.get()).isEqualTo(1);
    } finally {
      child.destroyForcibly();
    }
  }
}
