package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

/**
 * Evidence that one incarnation of a rank has failed, reported to the coordinator by whoever saw
 * it. Transport errors and missed heartbeats confirm a failure; a deadline miss alone is suspicion,
 * which the coordinator confirms (by heartbeat freshness) before it evicts; a failed probe confirms
 * once a majority of the suspect's peers report one ({@link MembershipRules}). Evidence against an
 * incarnation that is no longer current is ignored.
 */
public sealed interface Evidence {
  /** The rank suspected. */
  int suspect();

  /** The incarnation of the suspect the evidence is about. */
  long incarnation();

  /** Who saw it: a rank, or -1 for the coordinator itself. */
  int reporter();

  /** Human-readable detail for logs. */
  String detail();

  /** True if this evidence alone justifies eviction. */
  boolean confirms();

  /** The transport reported the peer unreachable (connection reset, endpoint error). */
  record TransportError(int suspect, long incarnation, int reporter, String detail)
      implements Evidence {
    public TransportError {
      requireNonNull(detail, "detail is null");
    }

    @Override
    public boolean confirms() {
      return true;
    }
  }

  /** The suspect missed its heartbeats (a frozen process raises no transport error). */
  record MissedHeartbeats(int suspect, long incarnation, int reporter, String detail)
      implements Evidence {
    public MissedHeartbeats {
      requireNonNull(detail, "detail is null");
    }

    @Override
    public boolean confirms() {
      return true;
    }
  }

  /**
   * The suspect fell silent on the data plane and its transport did not answer a probe in time (a
   * busy rank's transport still answers; a frozen process's does not). One report is suspicion;
   * reports from a majority of the suspect's peers confirm.
   */
  record ProbeFailed(int suspect, long incarnation, int reporter, String detail)
      implements Evidence {
    public ProbeFailed {
      requireNonNull(detail, "detail is null");
    }

    @Override
    public boolean confirms() {
      return false;
    }
  }

  /** A receive from the suspect missed its deadline: suspicion, confirmed by a probe. */
  record DeadlineMiss(int suspect, long incarnation, int reporter, String detail)
      implements Evidence {
    public DeadlineMiss {
      requireNonNull(detail, "detail is null");
    }

    @Override
    public boolean confirms() {
      return false;
    }
  }
}
