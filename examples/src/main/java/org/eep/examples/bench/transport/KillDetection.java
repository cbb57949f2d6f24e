package org.eep.examples.bench.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;
import org.eep.examples.DaemonThreads;

/**
 * Kill -9 detection of the {@code ucx} transport. Rank 0 lives in this JVM for the whole run; for
 * every kill a fresh {@link TransportBenchChild} JVM (same class path, UCX kept on loopback) serves
 * rank 1. Rank 0 (re)connects to it, waits until the child has its hello, then SIGKILLs it ({@link
 * Process#destroyForcibly}) and times kill → rank 0's {@code PeerErrorListener} call. Optionally
 * rank 0 keeps sending small messages to the victim meanwhile.
 */
final class KillDetection {
  private static final long PATIENCE_SECONDS = 30;
  private static final long TRAFFIC_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private KillDetection() {}

  /** Kill latencies in milliseconds, {@code warmup} untimed kills first. */
  static List<Double> measure(int kills, int warmup, boolean traffic)
      throws IOException, InterruptedException {
    EepConfig config =
        EepConfig.fromEnvironment(
            Map.of("eep_transport", "ucx", "eep_max_ranks", 2, "eep_host", "127.0.0.1"));
    AtomicLong reportedAt = new AtomicLong();
    AtomicReference<CountDownLatch> reported = new AtomicReference<>(new CountDownLatch(1));
    List<Double> samples = new ArrayList<>();
    try (Transport survivor = Providers.find(TransportProvider.class, "ucx").create(config, 0)) {
      survivor.addPeerErrorListener(
          (peer, cause) -> {
            if (peer == 1 && reportedAt.compareAndSet(0, System.nanoTime())) {
              reported.get().countDown();
            }
          });
      for (int i = 0; i < warmup + kills; i++) {
        reportedAt.set(0);
        reported.set(new CountDownLatch(1));
        double ms = killOnce(survivor, reportedAt, reported.get(), traffic, i);
        if (i >= warmup) {
          samples.add(ms);
        }
      }
    }
    return samples;
  }

  private static double killOnce(
      Transport survivor, AtomicLong reportedAt, CountDownLatch reported, boolean traffic, int n)
      throws IOException, InterruptedException {
    Process child = startChild();
    Thread sender = null;
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String address = expect(out, "ADDRESS ", child).substring("ADDRESS ".length());
      survivor.reconnect(1, address);
      survivor.send(
          1,
          new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0),
          ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
      expect(out, "READY", child);
      if (traffic) {
        sender = startSender(survivor, reported);
      }
      long killedAt = System.nanoTime();
      child.destroyForcibly();
      if (!reported.await(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "kill " + n + ": no peer error within " + PATIENCE_SECONDS + " s");
      }
      return (reportedAt.get() - killedAt) / 1e6;
    } finally {
      child.destroyForcibly();
      child.waitFor();
      if (sender != null) {
        sender.interrupt();
        sender.join();
      }
    }
  }

  private static Thread startSender(Transport survivor, CountDownLatch reported) {
    return DaemonThreads.start(
        "bench-kill-traffic",
        () -> {
          ByteBuffer small = ByteBuffer.allocate(64);
          for (long step = 1;
              reported.getCount() > 0 && !Thread.currentThread().isInterrupted();
              step++) {
            try {
              survivor.send(
                  1, new MessageHeader(0, 0, 0, step, 0, Phase.CONTROL, 0), small.duplicate());
            } catch (TransportException failed) {
              return;
            }
            LockSupport.parkNanos(TRAFFIC_INTERVAL_NANOS);
          }
        });
  }

  private static Process startChild() throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java.toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                TransportBenchChild.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putIfAbsent("UCX_NET_DEVICES", "lo");
    pb.environment().putIfAbsent("UCX_TLS", "tcp,self");
    return pb.start();
  }

  private static String expect(BufferedReader out, String prefix, Process child)
      throws IOException {
    String line = out.readLine();
    if (line == null || !line.startsWith(prefix)) {
      throw new IllegalStateException(
          "the child JVM said '"
              + line
              + "' instead of "
              + prefix.trim()
              + (child.isAlive() ? "" : " (exit code " + child.exitValue() + ")"));
    }
    return line;
  }
}
