/**
 * The data plane's transport SPI: {@link org.eep.api.comm.Transport}, its fencing header {@link
 * org.eep.api.comm.MessageHeader}, and the reusable parts every provider shares: {@link
 * org.eep.api.comm.AbstractTransport} (the skeleton: inbox, listeners, counters, closing), {@link
 * org.eep.api.comm.Inbox} (matching, fencing, replay and counting), {@link
 * org.eep.api.comm.FrameCodec} (the wire frame) and {@link org.eep.api.comm.FrameAuth} (the frames'
 * HMAC tags when the instance has an {@code eep_secret}).
 */
package org.eep.api.comm;
