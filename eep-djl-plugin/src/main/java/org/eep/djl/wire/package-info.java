/**
 * Wire formats of the data plane's payloads, one codec per message kind: DISPATCH and COMBINE in a
 * step, SYNC at an epoch's start, WEIGHTS and the placement (CONTROL) during repair and rejoin. The
 * fencing header every message carries is the transport's ({@link org.eep.api.comm.MessageHeader}).
 */
package org.eep.djl.wire;
