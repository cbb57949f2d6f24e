package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The znodes of one instance, all under its namespace {@code <root>/<instance>}:
 *
 * <pre>
 *   views/0000000000000000007   one PERSISTENT znode per committed view, named by its zero-padded epoch
 *   requests/_c_..-req-0000000042  sequential requests for the leader: EPHEMERAL for join, activate and
 *                               leave (the reply is written into them), PERSISTENT for evidence
 *   live/r3-i2                  EPHEMERAL: rank 3, incarnation 2 holds a session
 *   leader/...                  the Curator LeaderLatch of the coordinator election
 * </pre>
 *
 * @param namespace the instance's znode
 */
record ZkLayout(String namespace) {
  /** Sequential znode names end with this many digits. */
  static final int SEQUENCE_DIGITS = 10;

  ZkLayout {
    requireNonNull(namespace, "namespace is null");
  }

  public String views() {
    return namespace + "/views";
  }

  /** The znode of the view with {@code epoch}; names sort in epoch order. */
  public String view(long epoch) {
    return views() + "/" + String.format("%019d", epoch);
  }

  public String requests() {
    return namespace + "/requests";
  }

  /** Prefix of a request znode (ZooKeeper appends the sequence number). */
  public String requestPrefix() {
    return requests() + "/req-";
  }

  public String live() {
    return namespace + "/live";
  }

  /** The ephemeral znode held by {@code rank}'s incarnation {@code incarnation}. */
  public String live(int rank, long incarnation) {
    return live() + "/" + liveName(rank, incarnation);
  }

  /** Name (not path) of a live znode. */
  public static String liveName(int rank, long incarnation) {
    return "r" + rank + "-i" + incarnation;
  }

  public String leader() {
    return namespace + "/leader";
  }

  /** The persistent parents every handle makes sure exist. */
  public List<String> parents() {
    return List.of(views(), requests(), live(), leader());
  }

  /**
   * Sequence number of a (possibly Curator-protected) sequential znode name; names that do not end
   * in one sort last.
   */
  static long sequenceOf(String name) {
    if (name.length() < SEQUENCE_DIGITS) {
      return Long.MAX_VALUE;
    }
    try {
      return Long.parseLong(name.substring(name.length() - SEQUENCE_DIGITS));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
