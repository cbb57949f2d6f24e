package org.eep.comm.ucx.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eep.api.comm.Message;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;

/**
 * A child JVM for tests: rank 1 of 2 on the ucx transport. Prints {@code ADDRESS <address>}, then
 * {@code READY} once rank 0's first message (step 0, CONTROL) has arrived, then waits for stdin to
 * close or for its parent to kill it.
 */
public final class PeerProcess {
  private PeerProcess() {}

  public static void main(String[] args) throws Exception {
    try (UcxTransport t = UcxTransport.open(new UcxTransportOptions(1, 2, "127.0.0.1", 0))) {
      System.out.println("ADDRESS " + t.address());
      System.out.flush();
      Message hello =
          t.receive(new MessageKey(0, 0, 0, 0, Phase.CONTROL, 0), Duration.ofMinutes(5));
      System.out.println("READY " + StandardCharsets.UTF_8.decode(hello.payload()));
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent
      }
    }
  }
}
