package org.eep.djl.repair;

import org.eep.placement.repair.RepairAction;

/**
 * One repair action as carried out: the plan's action, the epoch it served, and how long it really
 * took.
 */
public record ExecutedRepair(long epoch, RepairAction action, double actualSeconds) {}
