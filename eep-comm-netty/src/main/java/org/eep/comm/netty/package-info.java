/**
 * Transport provider {@code tcp} on Netty: {@link org.eep.comm.netty.NettyTransportProvider}.
 * Depends only on EEP's SPI ({@code org.eep.api}) and Netty. Everything under {@code
 * org.eep.comm.netty.internal} is implementation, not API.
 */
package org.eep.comm.netty;
