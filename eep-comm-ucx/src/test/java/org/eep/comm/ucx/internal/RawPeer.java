package org.eep.comm.ucx.internal;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openucx.jucx.UcxUtils;
import org.openucx.jucx.ucp.UcpConstants;
import org.openucx.jucx.ucp.UcpContext;
import org.openucx.jucx.ucp.UcpEndpoint;
import org.openucx.jucx.ucp.UcpEndpointParams;
import org.openucx.jucx.ucp.UcpParams;
import org.openucx.jucx.ucp.UcpRequest;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucp.UcpWorkerParams;
import org.openucx.jucx.ucs.UcsConstants;

/**
 * A bare JUCX worker posing as a rank, for tests that need a peer which misbehaves: sends bytes
 * that are not frames, or does not progress until told to. Every call from the test thread; the
 * worker advances only in {@link #progress} and {@link #receive}.
 */
final class RawPeer implements AutoCloseable {
  private final UcpContext context = new UcpContext(new UcpParams().requestAmFeature());
  private final UcpWorker worker = context.newWorker(new UcpWorkerParams());
  private final AddressServer server;
  private final List<ByteBuffer> inFlight = new ArrayList<>();
  private final List<UcpRequest> requests = new ArrayList<>();
  private final List<ByteBuffer> received = new ArrayList<>();
  private final List<UcpRequest> receiving = new ArrayList<>();
  private UcpEndpoint endpoint;

  RawPeer(int rank) throws Exception {
    server = AddressServer.start("127.0.0.1", WorkerAddress.of(rank, worker.getAddress()));
    worker.setAmRecvHandler(
        FrameReceiver.AM_ID,
        (headerAddress, headerLength, data, replyEp) -> {
          ByteBuffer frame = ByteBuffer.allocateDirect((int) data.getLength());
          received.add(frame);
          if (data.isDataValid()) {
            frame.put(UcxUtils.getByteBufferView(data.getDataAddress(), data.getLength())).flip();
          } else {
            receiving.add(data.receive(UcxUtils.getAddress(frame), null));
          }
          return UcsConstants.STATUS.UCS_OK;
        },
        UcpConstants.UCP_AM_FLAG_WHOLE_MSG);
  }

  String address() {
    return server.address().toString();
  }

  void connect(String transportAddress) throws Exception {
    WorkerAddress remote =
        AddressServer.fetch(UcxAddress.parse(transportAddress), Duration.ofSeconds(30));
    endpoint =
        worker.newEndpoint(
            new UcpEndpointParams()
                .setUcpAddress(remote.direct())
                .setPeerErrorHandlingMode()
                .setErrorHandler((ep, status, message) -> {}));
  }

  /** Sends {@code bytes} as an EEP frame message, whatever they hold. */
  void send(byte[] bytes) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    inFlight.add(b);
    requests.add(
        endpoint.sendAmNonBlocking(
            FrameReceiver.AM_ID, 0, 0, UcxUtils.getAddress(b), b.remaining(), 0, null));
  }

  void progress() {
    try {
      worker.progress();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Progresses until {@code count} EEP frame messages have been received whole; returns them. */
  List<ByteBuffer> receive(int count) {
    while (received.size() < count || receiving.stream().anyMatch(r -> !r.isCompleted())) {
      progress();
    }
    return List.copyOf(received);
  }

  /**
   * Force-closes the endpoint and progresses until UCX has let go of every request, then destroys
   * the worker.
   */
  @Override
  public void close() {
    server.close();
    if (endpoint != null) {
      UcpRequest closing = endpoint.closeNonBlockingForce();
      while (!closing.isCompleted() || requests.stream().anyMatch(r -> !r.isCompleted())) {
        progress();
      }
    }
    worker.close();
    context.close();
  }
}
