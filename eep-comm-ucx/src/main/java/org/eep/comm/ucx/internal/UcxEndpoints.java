package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.Inbox;
import org.eep.api.comm.PeerErrorListener;
import org.eep.api.comm.PeerFailedException;
import org.openucx.jucx.UcxCallback;
import org.openucx.jucx.UcxException;
import org.openucx.jucx.UcxUtils;
import org.openucx.jucx.ucp.UcpEndpoint;
import org.openucx.jucx.ucp.UcpEndpointParams;
import org.openucx.jucx.ucp.UcpRequest;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucs.UcsConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one transport: one {@link PeerLink} per peer, each a UCP endpoint opened to the
 * peer's worker address with peer error handling. A link's error reaches {@code onPeerFailure}
 * once, and only while the link is the peer's current one.
 *
 * <p>Progress thread only, except {@link #link} and {@link #workerAddress}.
 */
final class UcxEndpoints implements WorkerLoop.Hooks {
  private static final Logger LOG = LoggerFactory.getLogger(UcxEndpoints.class);

  private final int rank;
  private final Inbox inbox;
  private final DirectBufferPool pool;
  private final PeerErrorListener onPeerFailure;
  private final FrameAuth auth;
  private final Map<Integer, PeerLink> links = new ConcurrentHashMap<>();

  /** Links to close on the next poll rather than inside a UCX callback. */
  private final List<PeerLink> toClose = new ArrayList<>();

  /** Retired links whose sends are being flushed before they close. */
  private final Set<PeerLink> draining = new HashSet<>();

  private final List<Closing> closing = new ArrayList<>();
  private UcpWorker worker;
  private volatile WorkerAddress workerAddress;
  private boolean shuttingDown;

  UcxEndpoints(int rank, Inbox inbox, DirectBufferPool pool, PeerErrorListener onPeerFailure) {
    this(rank, inbox, pool, onPeerFailure, FrameAuth.none());
  }

  /** Endpoints whose receive path verifies frames with {@code auth}. */
  UcxEndpoints(
      int rank,
      Inbox inbox,
      DirectBufferPool pool,
      PeerErrorListener onPeerFailure,
      FrameAuth auth) {
    this.auth = requireNonNull(auth, "auth is null");
    this.rank = rank;
    this.inbox = requireNonNull(inbox, "inbox is null");
    this.pool = requireNonNull(pool, "pool is null");
    this.onPeerFailure = requireNonNull(onPeerFailure, "onPeerFailure is null");
  }

  /** The current link to {@code peer}, or null. Any thread. */
  PeerLink link(int peer) {
    return links.get(peer);
  }

  /** This worker's address, once {@link #open} has run. Any thread. */
  WorkerAddress workerAddress() {
    return workerAddress;
  }

  @Override
  public void open(UcpWorker w) {
    this.worker = w;
    FrameReceiver.install(w, inbox, pool, auth.toReceiver(rank));
    this.workerAddress = WorkerAddress.of(rank, w.getAddress());
  }

  @Override
  public boolean poll() {
    return closeRetired();
  }

  /**
   * Opens a link to {@code peer} at {@code remote} unless the current one goes to {@code target}
   * and works ({@code replace} forces a new one). The replaced link is closed; no other link is
   * touched.
   */
  void connect(int peer, UcxAddress target, WorkerAddress remote, boolean replace) {
    PeerLink current = links.get(peer);
    if (!replace
        && current != null
        && current.address().equals(target)
        && current.failure() == null) {
      return;
    }
    PeerLink link = new PeerLink(peer, target);
    try {
      link.attach(
          worker.newEndpoint(
              new UcpEndpointParams()
                  .setUcpAddress(remote.direct())
                  .setPeerErrorHandlingMode()
                  .setErrorHandler(
                      (ep, status, message) ->
                          linkFailed(link, message + " (status " + status + ")"))));
    } catch (UcxException e) {
      throw new PeerFailedException(
          peer,
          "Rank "
              + rank
              + " cannot open a UCX endpoint to rank "
              + peer
              + " at "
              + target
              + ": "
              + e.getMessage(),
          e);
    }
    links.put(peer, link);
    if (current != null) {
      retire(current);
    }
    inbox.peerRestored(peer);
  }

  void disconnect(int peer) {
    PeerLink link = links.remove(peer);
    if (link != null) {
      retire(link);
    }
  }

  /** Sends one encoded frame (a buffer from the pool, returned to it when UCX is done with it). */
  void send(PeerLink link, ByteBuffer frame) {
    if (!link.usable()) {
      pool.release(frame);
      return;
    }
    Sent sent = new Sent(link, frame);
    try {
      link.endpoint()
          .sendAmNonBlocking(
              FrameReceiver.AM_ID, 0, 0, UcxUtils.getAddress(frame), frame.remaining(), 0, sent);
    } catch (UcxException e) {
      sent.finish();
      linkFailed(link, e.getMessage());
    }
  }

  @Override
  public void flushAll() {
    shuttingDown = true;
    links.values().forEach(this::retire);
  }

  @Override
  public boolean flushed() {
    return draining.isEmpty();
  }

  @Override
  public void closeAll() {
    links.values().forEach(this::forceClose);
    List.copyOf(draining).forEach(this::forceClose);
    closeRetired();
  }

  @Override
  public boolean allClosed() {
    closeRetired();
    closing.removeIf(c -> c.request().isCompleted());
    return closing.isEmpty();
  }

  private boolean closeRetired() {
    if (toClose.isEmpty()) {
      return false;
    }
    List<PeerLink> now = List.copyOf(toClose);
    toClose.clear();
    now.forEach(this::forceClose);
    return true;
  }

  private void linkFailed(PeerLink link, String why) {
    PeerFailedException failure =
        new PeerFailedException(
            link.peer(),
            "UCX endpoint of rank "
                + rank
                + " to rank "
                + link.peer()
                + " at "
                + link.address()
                + " failed: "
                + why,
            null);
    if (!link.fail(failure)) {
      return;
    }
    toClose.add(link);
    if (!shuttingDown && links.get(link.peer()) == link) {
      LOG.debug("{}", failure.getMessage());
      onPeerFailure.onPeerError(link.peer(), failure);
    }
  }

  /**
   * Retires a link that is no longer wanted: a failed one is closed, a working one flushed first.
   */
  private void retire(PeerLink link) {
    if (link.failure() != null) {
      toClose.add(link);
      return;
    }
    if (!link.startFlush()) {
      return;
    }
    draining.add(link);
    try {
      link.endpoint()
          .flushNonBlocking(
              new UcxCallback() {
                @Override
                public void onSuccess(UcpRequest request) {
                  flushDone(link);
                }

                @Override
                public void onError(int status, String message) {
                  flushDone(link);
                }
              });
    } catch (UcxException e) {
      flushDone(link);
    }
  }

  private void flushDone(PeerLink link) {
    if (draining.remove(link)) {
      toClose.add(link);
    }
  }

  /**
   * Closes the link's endpoint once, forcibly: completes without the peer and cancels what is still
   * queued.
   */
  private void forceClose(PeerLink link) {
    if (!link.markClosed()) {
      return;
    }
    draining.remove(link);
    try {
      UcpRequest request = link.endpoint().closeNonBlockingForce();
      if (!request.isCompleted()) {
        closing.add(new Closing(link.endpoint(), request));
      }
    } catch (UcxException e) {
      LOG.debug("Closing a UCX endpoint of rank {} failed: {}", rank, e.getMessage());
    }
  }

  /**
   * A close in progress; holding the endpoint keeps JUCX's weakly referenced error handler alive.
   */
  private record Closing(UcpEndpoint endpoint, UcpRequest request) {}

  /**
   * Completion of one send; returns the frame to the pool exactly once (JUCX may report an error
   * twice).
   */
  private final class Sent extends UcxCallback {
    private final PeerLink link;
    private final ByteBuffer frame;
    private boolean finished;

    Sent(PeerLink link, ByteBuffer frame) {
      this.link = link;
      this.frame = frame;
    }

    @Override
    public void onSuccess(UcpRequest request) {
      finish();
    }

    @Override
    public void onError(int status, String message) {
      finish();
      if (status != UcsConstants.STATUS.UCS_ERR_CANCELED) {
        linkFailed(link, "send failed: " + message + " (status " + status + ")");
      }
    }

    void finish() {
      if (!finished) {
        finished = true;
        pool.release(frame);
      }
    }
  }
}
