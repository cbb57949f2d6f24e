/**
 * {@code ./eep bench transport}: all-to-all (dispatch + combine) rounds per second of a transport
 * provider against raw JUCX tag messages in the same run, and how fast the {@code ucx} transport
 * reports a {@code kill -9}'d peer.
 */
package org.eep.examples.bench.transport;
