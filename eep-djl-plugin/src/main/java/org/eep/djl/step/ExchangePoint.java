package org.eep.djl.step;

/**
 * Where in the step protocol an exchange happens: the epoch, the step and the MoE layer (0 for
 * SYNC).
 */
public record ExchangePoint(long epoch, long step, int layer) {}
