/**
 * The {@code tcp} transport's implementation; not API, may change without notice.
 *
 * <p>Map: {@link org.eep.comm.netty.internal.NettyTransport} owns one event loop group, one
 * listening channel and one outgoing {@code PeerLink} per peer. Outgoing frames are encoded on the
 * sender's thread ({@code FrameEncoder}) into one pooled direct buffer; incoming bytes are cut into
 * frames by {@code FrameDecoder} and handed to the {@link org.eep.api.comm.Inbox} by {@code
 * InboxHandler}.
 */
package org.eep.comm.netty.internal;
