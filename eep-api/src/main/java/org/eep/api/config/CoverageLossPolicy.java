package org.eep.api.config;

/**
 * What new requests meet when some logical expert has no replica on an active rank ({@code
 * eep_on_coverage_loss}).
 */
public enum CoverageLossPolicy {
  /** Refuse the request with an error naming the missing experts. */
  REFUSE,
  /**
   * Serve it with the missing experts dropped from top-k (weights renormalised); the response is
   * marked degraded.
   */
  DROP
}
