/**
 * The data plane's transport SPI: {@link org.eep.api.comm.Transport}, its fencing header
 * {@link org.eep.api.comm.MessageHeader}, and the reusable parts every provider shares:
 * {@link org.eep.api.comm.Inbox} (matching, fencing, counting) and
 * {@link org.eep.api.comm.FrameCodec} (the wire header).
 */
package org.eep.api.comm;
