package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A {@code tcp} endpoint address, {@code tcp://HOST:PORT} ({@code tcp://[v6]:PORT} for IPv6
 * literals). This is the string {@link org.eep.api.comm.Transport#address()} publishes and {@link
 * org.eep.api.comm.Transport#connect} takes back. Immutable.
 */
public record TcpAddress(String host, int port) {
  /** The URI scheme of every {@code tcp} address. */
  public static final String SCHEME = "tcp";

  public TcpAddress {
    requireNonNull(host, "host is null");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port outside [0, 65535]: " + port);
    }
  }

  /** The address of a bound or connected socket (numeric host). */
  public static TcpAddress of(InetSocketAddress socket) {
    requireNonNull(socket, "socket is null");
    String host =
        socket.getAddress() != null ? socket.getAddress().getHostAddress() : socket.getHostString();
    return new TcpAddress(host, socket.getPort());
  }

  /**
   * Parses {@code tcp://HOST:PORT}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static TcpAddress parse(String address) {
    requireNonNull(address, "address is null");
    URI uri;
    try {
      uri = new URI(address);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Not a tcp address (expected tcp://HOST:PORT): " + address, e);
    }
    if (!SCHEME.equals(uri.getScheme())
        || uri.getHost() == null
        || uri.getPort() < 0
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "Not a tcp address (expected tcp://HOST:PORT): " + address);
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new TcpAddress(host, uri.getPort());
  }

  /** A socket address to connect to (a host name is resolved here). */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return SCHEME + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
