/**
 * Repair and rejoin execution on a rank: {@link org.eep.djl.repair.RepairExecutor} loads the
 * experts a plan assigns to this rank, each from the tier the plan chose (a peer's copy, the host
 * backup, the checkpoint, one {@code WeightSource} each); {@link org.eep.djl.repair.WeightSender}
 * is the sending side of the peer tier. The plans themselves come from {@code
 * org.eep.placement.repair}.
 */
package org.eep.djl.repair;
