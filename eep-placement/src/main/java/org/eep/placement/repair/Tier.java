package org.eep.placement.repair;

/**
 * Where a rank can get an expert's weights from when it must (re)load it, cheapest first: a peer
 * rank that holds the expert (copied over the transport), this node's host-memory backup, or the
 * checkpoint on disk. When two tiers would finish a load at the same time, the earlier constant
 * wins.
 */
public enum Tier {
  /** Another active rank that holds the expert; the copy goes over the transport. */
  PEER,
  /** The node's host-memory backup of the expert. */
  HOST,
  /** The checkpoint on disk. */
  DISK
}
