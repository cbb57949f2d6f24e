package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import org.eep.api.comm.PeerFailedException;
import org.openucx.jucx.ucp.UcpEndpoint;

/**
 * The endpoint this rank opened to one peer. Its life: open, then optionally flushing (a graceful
 * retire waits for sends in flight), then closed (always by a forced {@code ucp_ep_close_nbx},
 * which completes without the peer). The endpoint and the flags belong to the progress thread; the
 * failure is read by senders too. A link never comes back: a reconnect makes a new one, so a late
 * error of an old endpoint can be told apart.
 */
final class PeerLink {
  private final int peer;
  private final UcxAddress address;
  private UcpEndpoint endpoint;
  private boolean flushing;
  private boolean closed;
  private volatile PeerFailedException failure;

  PeerLink(int peer, UcxAddress address) {
    this.peer = peer;
    this.address = requireNonNull(address, "address is null");
  }

  int peer() {
    return peer;
  }

  UcxAddress address() {
    return address;
  }

  UcpEndpoint endpoint() {
    return endpoint;
  }

  void attach(UcpEndpoint ep) {
    this.endpoint = requireNonNull(ep, "ep is null");
  }

  /** Why the link broke, or null while it works. */
  PeerFailedException failure() {
    return failure;
  }

  /** Records the first failure; false if the link had already failed. */
  boolean fail(PeerFailedException cause) {
    if (failure != null) {
      return false;
    }
    failure = cause;
    return true;
  }

  /** True while frames may be sent on it: open, not retiring, not failed. */
  boolean usable() {
    return endpoint != null && !flushing && !closed && failure == null;
  }

  /** Marks the link as retiring; false if it already was, or is closed. */
  boolean startFlush() {
    if (flushing || closed) {
      return false;
    }
    flushing = true;
    return true;
  }

  /** Marks the link closed; false if it already was (an endpoint is closed exactly once). */
  boolean markClosed() {
    if (closed || endpoint == null) {
      return false;
    }
    closed = true;
    return true;
  }
}
