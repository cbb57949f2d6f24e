package org.eep.api.config;

import java.util.List;

/**
 * A source of configuration keys: a module declares the {@code eep_*} keys it reads by listing an
 * implementation in {@code META-INF/services/org.eep.api.config.ConfigKeySource}. {@link EepConfig}
 * collects every source on the class path (through the class loader that loaded EEP's API) when a
 * view is built, so an unknown key fails naming the nearest key of any module present.
 *
 * <p>eep-api ships two sources: the core keys ({@link EepKeys}) and the keys of every provider
 * found by name ({@code org.eep.api.spi.NamedProvider#configKeys()}), so a provider needs no
 * registration of its own here.
 *
 * <p>Threading: {@link #configKeys()} may be called from any thread and must be cheap; it is called
 * once per view built. Implementations need a public no-argument constructor.
 */
public interface ConfigKeySource {

  /** The keys this source declares; each name starts with {@value EepConfig#PREFIX}. */
  List<ConfigKey> configKeys();
}
