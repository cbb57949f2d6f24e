package org.eep.api.internal.local;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The in-process "network": every live local endpoint by address. Addresses are never reused. */
final class LocalFabric {
  private static final Map<String, LocalTransport> ENDPOINTS = new ConcurrentHashMap<>();
  private static final AtomicLong NEXT = new AtomicLong();

  private LocalFabric() {}

  static String register(String instance, int rank, LocalTransport t) {
    String address = "local://" + instance + "/" + rank + "#" + NEXT.incrementAndGet();
    ENDPOINTS.put(address, t);
    return address;
  }

  static LocalTransport lookup(String address) {
    return ENDPOINTS.get(address);
  }

  static void unregister(String address) {
    ENDPOINTS.remove(address);
  }
}
