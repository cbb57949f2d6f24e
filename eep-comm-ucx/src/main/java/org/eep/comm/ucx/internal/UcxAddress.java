package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * Where a UCX listener is reached: {@code ucx://host:port}, the form {@code Transport.address()}
 * publishes.
 */
record UcxAddress(String host, int port) {
  public static final String SCHEME = "ucx";

  public UcxAddress {
    requireNonNull(host, "host is null");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " outside [1, 65535]");
    }
  }

  /** Parses {@code ucx://host:port}; IPv6 hosts are bracketed. */
  public static UcxAddress parse(String address) {
    requireNonNull(address, "address is null");
    URI uri;
    try {
      uri = new URI(address);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Not a ucx address: '" + address + "'", e);
    }
    if (!SCHEME.equals(uri.getScheme())
        || uri.getHost() == null
        || uri.getPort() < 0
        || !(uri.getPath() == null || uri.getPath().isEmpty())
        || uri.getQuery() != null
        || uri.getFragment() != null) {
      throw new IllegalArgumentException(
          "Not a ucx address: '" + address + "' (expected ucx://host:port)");
    }
    String host = uri.getHost();
    return new UcxAddress(
        host.startsWith("[") ? host.substring(1, host.length() - 1) : host, uri.getPort());
  }

  /** The address of a bound listener. */
  public static UcxAddress of(InetSocketAddress bound) {
    return new UcxAddress(bound.getAddress().getHostAddress(), bound.getPort());
  }

  /** The socket address to connect to (resolves {@link #host} if it is a name). */
  public InetSocketAddress socketAddress() throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(host), port);
  }

  @Override
  public String toString() {
    return SCHEME + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
