/**
 * The parts of one rank incarnation, one job each: {@code RankLoop} (the parts and the loop the
 * rank thread runs), {@code Lifecycle} (its one state), {@code Formation} (join, load, activate),
 * {@code ViewApplier} (views in epoch order, repair and rejoin transitions), {@code Connections},
 * {@code PlacementState} (placement and routing tables), {@code EpochSync} (the resume step of each
 * epoch), {@code StepRunner} (the batch, its steps, the snapshot for a re-run), {@code PeerHealth}
 * (per-peer circuit breakers and evidence), the step's exchange over the transport and its
 * fault-injection decorator, and {@code RankCounters}. Not an API: anything here may change.
 */
package org.eep.djl.rank.internal;
