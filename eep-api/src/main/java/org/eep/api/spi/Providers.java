package org.eep.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.eep.api.comm.TransportProvider;
import org.eep.api.internal.util.Names;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.placement.PlacementPolicyProvider;

/**
 * Finds providers by name with {@link ServiceLoader}, through the class loader that loaded EEP's
 * API (DJL Serving loads plugins from {@code deps/} and does not set the context class loader).
 * Thread-safe; every call scans afresh, so it sees jars added to that loader.
 */
public final class Providers {
  /** For a known name whose jar is missing: the artifact that provides it. */
  private static final Map<String, String> KNOWN_ARTIFACTS =
      Map.of(
          TransportProvider.class.getName() + "/ucx",
          "org.eep:eep-comm-ucx",
          TransportProvider.class.getName() + "/tcp",
          "org.eep:eep-comm-netty",
          MembershipProvider.class.getName() + "/zookeeper",
          "org.eep:eep-membership-zookeeper",
          PlacementPolicyProvider.class.getName() + "/balanced",
          "org.eep:eep-placement",
          "org.eep.djl.instance.RankHostProvider/processes",
          "org.eep:eep-server",
          "org.eep.djl.instance.RankHostProvider/external",
          "org.eep:eep-server");

  private Providers() {}

  /** The provider of {@code type} named {@code name}; fails listing the names that are present. */
  public static <P extends NamedProvider> P find(Class<P> type, String name) {
    requireNonNull(type, "type is null");
    requireNonNull(name, "name is null");
    Map<String, P> present = all(type);
    P provider = present.get(name);
    if (provider != null) {
      return provider;
    }
    StringBuilder msg =
        new StringBuilder()
            .append("No ")
            .append(kind(type))
            .append(" provider named '")
            .append(name)
            .append("'. Present: ")
            .append(present.isEmpty() ? "(none)" : String.join(", ", present.keySet()))
            .append('.');
    String artifact = KNOWN_ARTIFACTS.get(type.getName() + "/" + name);
    if (artifact != null) {
      msg.append(" '")
          .append(name)
          .append("' is provided by ")
          .append(artifact)
          .append(": add it to the class path.");
    } else {
      Names.nearest(name, present.keySet())
          .ifPresent(n -> msg.append(" Did you mean '").append(n).append("'?"));
    }
    throw new UnknownProviderException(msg.toString());
  }

  /** Every provider of {@code type} on the class path, by name (sorted). */
  public static <P extends NamedProvider> Map<String, P> all(Class<P> type) {
    Map<String, P> byName = new TreeMap<>();
    for (P p : ServiceLoader.load(type, Providers.class.getClassLoader())) {
      P previous = byName.putIfAbsent(p.name(), p);
      if (previous != null && previous.getClass() != p.getClass()) {
        throw new UnknownProviderException(
            "Two "
                + kind(type)
                + " providers are named '"
                + p.name()
                + "': "
                + previous.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
    return byName;
  }

  /** Every provider of every EEP SPI, for collecting their configuration keys. */
  public static List<NamedProvider> everything() {
    List<NamedProvider> out = new ArrayList<>();
    out.addAll(all(TransportProvider.class).values());
    out.addAll(all(MembershipProvider.class).values());
    out.addAll(all(PlacementPolicyProvider.class).values());
    return out;
  }

  private static String kind(Class<?> type) {
    return type.getSimpleName()
        .replace("Provider", "")
        .replace("PlacementPolicy", "placement policy")
        .replace("RankHost", "ranks")
        .toLowerCase();
  }
}
