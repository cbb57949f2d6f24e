package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This rank's transport connections, one per member peer and incarnation: a view naming a new
 * incarnation of a slot opens a connection to it (re-making only that one), and nothing else is
 * touched. Each connection opened is counted. Used by the rank thread.
 */
final class Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final int rank;
  private final Transport transport;
  private final PeerHealth health;
  private final RankCounters counters;
  private final long[] connected;

  Connections(
      int rank, int maxRanks, Transport transport, PeerHealth health, RankCounters counters) {
    this.rank = rank;
    this.transport = requireNonNull(transport, "transport is null");
    this.health = requireNonNull(health, "health is null");
    this.counters = requireNonNull(counters, "counters is null");
    this.connected = new long[maxRanks];
    Arrays.fill(connected, -1);
  }

  /**
   * Connects to every member of {@code view} this rank is not yet connected to in its current
   * incarnation.
   */
  void connectTo(MembershipView view) {
    for (Slot s : view.slots()) {
      if (s.rank() == rank
          || !s.state().isMember()
          || s.address().isEmpty()
          || connected[s.rank()] == s.incarnation()) {
        continue;
      }
      try {
        if (connected[s.rank()] < 0) {
          transport.connect(s.rank(), s.address());
        } else {
          transport.reconnect(s.rank(), s.address());
        }
        connected[s.rank()] = s.incarnation();
        counters.connectionsOpened.increment();
        health.reconnected(s.rank());
      } catch (TransportException e) {
        LOG.warn(
            "rank {} cannot connect to rank {} at {}: {}",
            rank,
            s.rank(),
            s.address(),
            e.getMessage());
      }
    }
  }
}
