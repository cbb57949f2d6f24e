package org.eep.api.spi;

import java.util.List;
import org.eep.api.config.ConfigKey;

/**
 * Common shape of every EEP provider: a stable name that configuration selects it by, and the
 * configuration keys it adds. Implementations are found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services} entry), so they need a public no-argument constructor that does no
 * work; resources are made only by the provider's factory method.
 *
 * <p>Threading: {@link #name()} and {@link #configKeys()} may be called from any thread.
 */
public interface NamedProvider {

  /** The name configuration selects this provider by, e.g. {@code "ucx"}. Lower case, stable. */
  String name();

  /** Keys this provider reads beyond the core ones; each must start with {@code eep_}. */
  default List<ConfigKey> configKeys() {
    return List.of();
  }
}
