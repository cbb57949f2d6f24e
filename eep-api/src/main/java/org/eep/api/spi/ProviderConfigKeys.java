package org.eep.api.spi;

import java.util.ArrayList;
import java.util.List;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.ConfigKeySource;

/**
 * The configuration keys of every provider on the class path ({@link NamedProvider#configKeys()}),
 * as one {@link ConfigKeySource}: registered by eep-api itself, so a provider declares its keys
 * only where it is found by name.
 */
public final class ProviderConfigKeys implements ConfigKeySource {
  @Override
  public List<ConfigKey> configKeys() {
    List<ConfigKey> keys = new ArrayList<>();
    for (NamedProvider p : Providers.everything()) {
      keys.addAll(p.configKeys());
    }
    return keys;
  }
}
