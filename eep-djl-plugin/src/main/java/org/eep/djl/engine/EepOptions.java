package org.eep.djl.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eep.api.config.EepConfig;

/**
 * The {@code eep_*} entries of DJL's option and argument maps, in the spellings DJL and DJL Serving
 * use: {@code eep_x} (Criteria {@code optOption}/{@code optArgument}, DJL Serving's options) and
 * {@code option.eep_x} (a {@code serving.properties} key passed on unchanged). Other keys belong to
 * DJL and are dropped. Stateless.
 */
final class EepOptions {
  private static final String OPTION_PREFIX = "option.";

  private EepOptions() {}

  /**
   * The {@code eep_} entries of {@code map} (which may be null), keys trimmed and without {@code
   * option.}.
   */
  static Map<String, Object> eepEntries(Map<String, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (map == null) {
      return out;
    }
    map.forEach(
        (k, v) -> {
          String key = k.trim();
          if (key.startsWith(OPTION_PREFIX)) {
            key = key.substring(OPTION_PREFIX.length());
          }
          if (key.startsWith(EepConfig.PREFIX)) {
            out.put(key, v);
          }
        });
    return out;
  }

  /** {@code base} overlaid with {@code overrides}: an entry of {@code overrides} wins. */
  static Map<String, Object> overlay(Map<String, ?> base, Map<String, ?> overrides) {
    Map<String, Object> out = new LinkedHashMap<>(eepEntries(base));
    out.putAll(eepEntries(overrides));
    return out;
  }
}
