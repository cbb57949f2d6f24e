package org.eep.djl.wire;

/**
 * One token row routed to an expert: which token of the sender's batch, which of its top-k choices,
 * and which local slot of the receiving rank computes it.
 */
public record Row(int token, int choice, int slot) {}
