/**
 * Metrics of an EP instance: {@link org.eep.djl.metrics.RankMetrics} (a Micrometer binder over the
 * runtime's public counters: epochs, active ranks, steps, tokens, fencing, repairs by tier,
 * transport drops, queue depth) and {@link org.eep.djl.metrics.PrometheusEndpoint} (a loopback
 * {@code /metrics} endpoint on {@code eep_metrics_port}). Reads the runtime package's public API
 * only; nothing here is on the step path.
 */
package org.eep.djl.metrics;
