/**
 * {@code ./eep bench detection}: how long rank processes take to evict a frozen (SIGSTOP) rank, the
 * leader among them, and whether a run without faults evicts anyone.
 */
package org.eep.examples.bench.detection;
