package org.eep.examples.bench.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openucx.jucx.UcxUtils;
import org.openucx.jucx.ucp.UcpContext;
import org.openucx.jucx.ucp.UcpEndpoint;
import org.openucx.jucx.ucp.UcpEndpointParams;
import org.openucx.jucx.ucp.UcpParams;
import org.openucx.jucx.ucp.UcpRequest;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucp.UcpWorkerParams;

/**
 * The benchmark traffic over bare JUCX tag messages: the baseline with no EEP framing, inbox,
 * copies or progress thread. Each rank has its own UCP context and worker (as each EEP transport
 * does), endpoints to every peer's worker address with peer error handling, receives pre-posted
 * into per-peer buffers by exact tag, sends from one buffer, and progresses its own worker on its
 * own thread: polling (and yielding the core) for {@code spinNanos} when idle, then sleeping in
 * {@code ucp_worker_wait}, like the ucx transport's progress thread.
 */
final class RawUcxAllToAll extends AllToAll {
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final int ranks;
  private final int payloadBytes;
  private final long spinNanos;
  private final UcpContext[] contexts;
  private final UcpWorker[] workers;
  private final UcpEndpoint[][] endpoints;
  private final ByteBuffer[] sendBuffers;
  private final ByteBuffer[][] recvBuffers;

  RawUcxAllToAll(int ranks, int payloadBytes, long spinNanos) {
    super("bench-raw-ucx-rank", ranks);
    this.ranks = ranks;
    this.payloadBytes = payloadBytes;
    this.spinNanos = spinNanos;
    contexts = new UcpContext[ranks];
    workers = new UcpWorker[ranks];
    endpoints = new UcpEndpoint[ranks][ranks];
    sendBuffers = new ByteBuffer[ranks];
    recvBuffers = new ByteBuffer[ranks][ranks];
    ByteBuffer[] addresses = new ByteBuffer[ranks];
    for (int r = 0; r < ranks; r++) {
      contexts[r] = new UcpContext(new UcpParams().requestTagFeature().requestWakeupFeature());
      workers[r] = contexts[r].newWorker(new UcpWorkerParams());
      addresses[r] = workers[r].getAddress();
      sendBuffers[r] = ByteBuffer.allocateDirect(payloadBytes);
      for (int p = 0; p < ranks; p++) {
        recvBuffers[r][p] = ByteBuffer.allocateDirect(payloadBytes);
      }
    }
    for (int a = 0; a < ranks; a++) {
      for (int b = 0; b < ranks; b++) {
        if (a != b) {
          endpoints[a][b] =
              workers[a].newEndpoint(
                  new UcpEndpointParams()
                      .setUcpAddress(addresses[b])
                      .setPeerErrorHandlingMode()
                      .setErrorHandler((ep, status, message) -> {}));
        }
      }
    }
  }

  static long tag(long round, int phase, int sender) {
    return (round << 20) | ((long) phase << 16) | sender;
  }

  @Override
  void rounds(int rank, long first, long end) throws Exception {
    UcpWorker w = workers[rank];
    long sendAddress = UcxUtils.getAddress(sendBuffers[rank]);
    UcpRequest[] requests = new UcpRequest[2 * (ranks - 1)];
    for (long round = first; round < end; round++) {
      for (int phase = 0; phase < 2; phase++) {
        int n = 0;
        for (int peer = 0; peer < ranks; peer++) {
          if (peer != rank) {
            requests[n++] =
                w.recvTaggedNonBlocking(
                    UcxUtils.getAddress(recvBuffers[rank][peer]),
                    payloadBytes,
                    tag(round, phase, peer),
                    -1L,
                    null);
          }
        }
        for (int peer = 0; peer < ranks; peer++) {
          if (peer != rank) {
            requests[n++] =
                endpoints[rank][peer].sendTaggedNonBlocking(
                    sendAddress, payloadBytes, tag(round, phase, rank), null);
          }
        }
        awaitAll(w, requests);
      }
    }
  }

  private void awaitAll(UcpWorker w, UcpRequest[] requests) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    long idleSince = -1;
    while (!allDone(requests)) {
      if (w.progress() > 0) {
        idleSince = -1;
        continue;
      }
      long now = System.nanoTime();
      if (now - deadline > 0) {
        throw new IllegalStateException("raw UCX round did not complete within 60 s");
      }
      if (idleSince < 0) {
        idleSince = now;
      } else if (now - idleSince >= spinNanos) {
        w.waitForEvents();
        idleSince = -1;
      } else {
        Thread.yield();
      }
    }
  }

  private static boolean allDone(UcpRequest[] requests) {
    for (UcpRequest r : requests) {
      if (!r.isCompleted()) {
        return false;
      }
    }
    return true;
  }

  @Override
  void release() {
    UcpRequest[][] closing = new UcpRequest[ranks][ranks];
    for (int a = 0; a < ranks; a++) {
      for (int b = 0; b < ranks; b++) {
        if (endpoints[a][b] != null) {
          closing[a][b] = endpoints[a][b].closeNonBlockingForce();
        }
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean done = false;
    while (!done && System.nanoTime() - deadline < 0) {
      done = true;
      for (int a = 0; a < ranks; a++) {
        try {
          workers[a].progress();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (UcpRequest c : closing[a]) {
          done &= c == null || c.isCompleted();
        }
      }
    }
    if (!done) {
      return; // destroying a worker with a close outstanding aborts the process
    }
    for (int r = 0; r < ranks; r++) {
      workers[r].close();
      contexts[r].close();
    }
  }
}
