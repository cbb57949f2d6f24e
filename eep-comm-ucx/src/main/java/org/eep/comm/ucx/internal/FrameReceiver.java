package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.FrameCodec;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.MalformedFrameException;
import org.eep.api.comm.Message;
import org.eep.api.comm.UnauthenticatedFrameException;
import org.openucx.jucx.UcxCallback;
import org.openucx.jucx.UcxUtils;
import org.openucx.jucx.ucp.UcpAmData;
import org.openucx.jucx.ucp.UcpConstants;
import org.openucx.jucx.ucp.UcpEndpoint;
import org.openucx.jucx.ucp.UcpRequest;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucs.UcsConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive path: the worker's handler for EEP's active message. Each frame arrives as one active
 * message whose data is the whole frame ({@link FrameCodec} header and payload). Eager data is
 * valid inside the callback: it is decoded in place and the payload copied once, into a heap buffer
 * the {@link Inbox} then owns. Rendezvous data is first received, without a copy, into a pooled
 * direct buffer (see {@link DirectBufferPool} for why reuse matters) and copied out the same way. A
 * frame that does not decode, or is longer than any frame can be, is counted as malformed; with a
 * {@link FrameAuth} on, one without a valid tag is counted as unauthenticated ({@link
 * Inbox#countRejected}); neither reaches the inbox. Runs on the progress thread (UCX calls the
 * handler from inside progress).
 */
final class FrameReceiver {
  /** The active message id of EEP frames. */
  static final int AM_ID = 0xE;

  private static final Logger LOG = LoggerFactory.getLogger(FrameReceiver.class);

  private final Inbox inbox;
  private final DirectBufferPool pool;
  private final FrameAuth auth;
  private final long maxFrame;

  private FrameReceiver(Inbox inbox, DirectBufferPool pool, FrameAuth auth) {
    this.inbox = requireNonNull(inbox, "inbox is null");
    this.pool = requireNonNull(pool, "pool is null");
    this.auth = requireNonNull(auth, "auth is null");
    this.maxFrame = (long) FrameCodec.frameSize(FrameCodec.MAX_PAYLOAD, auth);
  }

  /** Registers the handler of unauthenticated EEP frames on {@code worker}. */
  static void install(UcpWorker worker, Inbox inbox, DirectBufferPool pool) {
    install(worker, inbox, pool, FrameAuth.none());
  }

  /** Registers the handler of EEP frames, verified with {@code auth}, on {@code worker}. */
  static void install(UcpWorker worker, Inbox inbox, DirectBufferPool pool, FrameAuth auth) {
    FrameReceiver receiver = new FrameReceiver(inbox, pool, auth);
    worker.setAmRecvHandler(AM_ID, receiver::onMessage, UcpConstants.UCP_AM_FLAG_WHOLE_MSG);
  }

  /**
   * UCX's callback; must not throw into JNI. Returning OK tells UCX the data is no longer needed.
   */
  private int onMessage(
      long headerAddress, long headerLength, UcpAmData data, UcpEndpoint replyEp) {
    try {
      long length = data.getLength();
      if (length > maxFrame) {
        LOG.debug("Dropped a frame of {} bytes (longest allowed: {})", length, maxFrame);
        inbox.countMalformed();
      } else if (data.isDataValid()) {
        deliver(UcxUtils.getByteBufferView(data.getDataAddress(), length));
      } else {
        ByteBuffer frame = pool.acquire((int) length);
        data.receive(UcxUtils.getAddress(frame), new Arrival(frame));
      }
    } catch (RuntimeException e) {
      LOG.error("Receiving a frame failed", e);
    }
    return UcsConstants.STATUS.UCS_OK;
  }

  private void deliver(ByteBuffer frame) {
    Message m;
    try {
      m = FrameCodec.decode(frame, auth);
    } catch (MalformedFrameException e) {
      LOG.debug(
          "Dropped {} frame: {}",
          e instanceof UnauthenticatedFrameException ? "an unauthenticated" : "a malformed",
          e.getMessage());
      inbox.countRejected(e);
      return;
    }
    byte[] payload = new byte[m.payload().remaining()];
    m.payload().get(payload);
    inbox.deliver(m.header(), ByteBuffer.wrap(payload));
  }

  /** Completion of a rendezvous receive into a pooled buffer; must not throw into JNI. */
  private final class Arrival extends UcxCallback {
    private final ByteBuffer frame;

    Arrival(ByteBuffer frame) {
      this.frame = frame;
    }

    @Override
    public void onSuccess(UcpRequest request) {
      try {
        deliver(frame);
      } catch (RuntimeException e) {
        LOG.error("Delivering a received frame failed", e);
      } finally {
        pool.release(frame);
      }
    }

    @Override
    public void onError(int status, String message) {
      pool.release(frame);
      LOG.debug("Receiving a frame of {} bytes failed: {} ({})", frame.limit(), message, status);
    }
  }
}
