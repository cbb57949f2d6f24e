package org.eep.placement.repair;

/**
 * Bytes per second of a peer copy from {@code sourceRank} to {@code targetRank}, for fabrics where
 * links differ (NVLink inside a node, RDMA across nodes). {@code 0} means the pair cannot copy.
 * Must be deterministic.
 */
@FunctionalInterface
public interface PeerBandwidth {
  double bytesPerSec(int sourceRank, int targetRank);

  /** Every pair at the same speed. */
  static PeerBandwidth uniform(double bytesPerSec) {
    return (s, t) -> bytesPerSec;
  }

  /**
   * Ranks grouped in nodes of {@code ranksPerNode} consecutive ranks: {@code intraNode} inside a
   * node, {@code interNode} across nodes; a 0 link is absent. Inside a node the faster of the two
   * available links is used (a copy can always take the inter-node path).
   */
  static PeerBandwidth nodes(int ranksPerNode, double intraNode, double interNode) {
    if (ranksPerNode <= 0) {
      throw new IllegalArgumentException("ranksPerNode must be > 0");
    }
    return (s, t) ->
        s / ranksPerNode == t / ranksPerNode ? Math.max(intraNode, interNode) : interNode;
  }
}
