/**
 * Live rebalancing plans: from a load snapshot and the current placement, the slot moves to a
 * balanced one. Pure; no DJL.
 */
package org.eep.placement.rebalance;
