package org.eep.api.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.eep.api.internal.util.Names;

/**
 * A typed, read-only view of EEP's options. Built once from DJL-style options ({@code eep_*} keys,
 * as in {@code serving.properties} without the {@code option.} prefix) and the environment ({@code
 * OPTION_EEP_X} maps to {@code eep_x} and wins over the options, so one variable can override a
 * packaged {@code serving.properties}). Every {@code eep_} key is checked when the view is built:
 * an unknown key fails naming the nearest known key, a bad value fails naming the key and what it
 * accepts. Keys without the {@code eep_} prefix belong to DJL and are ignored. Immutable and
 * thread-safe.
 */
public final class EepConfig {
  /** Prefix of every EEP key. */
  public static final String PREFIX = "eep_";

  private static final String ENV_PREFIX = "OPTION_EEP_";

  private final Map<String, String> values;
  private final Map<String, ConfigKey> known;

  private EepConfig(Map<String, String> values, Map<String, ConfigKey> known) {
    this.values = values;
    this.known = known;
  }

  /** Validated view of {@code options} alone (no environment). */
  public static EepConfig of(Map<String, ?> options) {
    return of(options, Map.of());
  }

  /**
   * Validated view of {@code options}, overridden by {@code OPTION_EEP_*} variables of {@code env}.
   */
  public static EepConfig of(Map<String, ?> options, Map<String, String> env) {
    requireNonNull(options, "options is null");
    requireNonNull(env, "env is null");
    Map<String, ConfigKey> known = knownKeys();
    Map<String, String> values = new TreeMap<>();
    options.forEach((k, v) -> put(values, known, normalise(k), v, k));
    env.forEach(
        (k, v) -> {
          if (k.startsWith(ENV_PREFIX)) {
            put(
                values,
                known,
                PREFIX + k.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT),
                v,
                k);
          }
        });
    return new EepConfig(Collections.unmodifiableMap(values), known);
  }

  /** Validated view of the options and this process's environment ({@code OPTION_EEP_*}). */
  public static EepConfig fromEnvironment(Map<String, ?> options) {
    return of(options, System.getenv());
  }

  /** A copy with {@code key} set to {@code value} (validated). */
  public EepConfig with(String key, Object value) {
    Map<String, String> copy = new TreeMap<>(values);
    put(copy, known, key, value, key);
    return new EepConfig(Collections.unmodifiableMap(copy), known);
  }

  /** A copy with every entry of {@code overrides} set (validated). */
  public EepConfig with(Map<String, ?> overrides) {
    Map<String, String> copy = new TreeMap<>(values);
    overrides.forEach((k, v) -> put(copy, known, normalise(k), v, k));
    return new EepConfig(Collections.unmodifiableMap(copy), known);
  }

  public String getString(ConfigKey key) {
    return raw(key);
  }

  public int getInt(ConfigKey key) {
    return Math.toIntExact(getLong(key));
  }

  public long getLong(ConfigKey key) {
    String raw = raw(key);
    if ("auto".equals(raw)) {
      throw new ConfigException(
          key.name() + " is \"auto\": ask isAuto() before reading it as a number");
    }
    return Long.parseLong(raw);
  }

  /** True if an integer-or-auto key is set to (or defaults to) {@code auto}. */
  public boolean isAuto(ConfigKey key) {
    return "auto".equals(raw(key));
  }

  public double getDouble(ConfigKey key) {
    return Double.parseDouble(raw(key));
  }

  /**
   * A choice key as the constant of {@code type} with the same name (case-insensitive), for keys
   * made with {@link ConfigKey#choice(String, Enum, String)}.
   */
  public <E extends Enum<E>> E getEnum(ConfigKey key, Class<E> type) {
    requireNonNull(type, "type is null");
    String raw = raw(key);
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(raw)) {
        return e;
      }
    }
    throw new ConfigException(
        key.name() + "=" + raw + " names no constant of " + type.getSimpleName());
  }

  public boolean getBoolean(ConfigKey key) {
    return Boolean.parseBoolean(raw(key));
  }

  /** A millisecond key as a duration. */
  public Duration getMillis(ConfigKey key) {
    return Duration.ofMillis(getLong(key));
  }

  /** True if the key was given explicitly (not defaulted). */
  public boolean isSet(ConfigKey key) {
    return values.containsKey(key.name());
  }

  /** The explicitly given entries, by key. */
  public Map<String, String> asMap() {
    return values;
  }

  /** Every key this view accepts: the core keys and those of providers on the class path. */
  public List<ConfigKey> knownKeyList() {
    return List.copyOf(known.values());
  }

  private String raw(ConfigKey key) {
    requireNonNull(key, "key is null");
    if (!known.containsKey(key.name())) {
      throw new ConfigException(
          "Configuration key "
              + key.name()
              + " is not registered by any provider on the class path");
    }
    return values.getOrDefault(key.name(), key.defaultValue());
  }

  private static String normalise(String key) {
    String k = key.trim();
    return k.startsWith("option.") ? k.substring("option.".length()) : k;
  }

  private static void put(
      Map<String, String> values,
      Map<String, ConfigKey> known,
      String key,
      Object value,
      String spelledAs) {
    if (!key.startsWith(PREFIX)) {
      return;
    }
    ConfigKey def = known.get(key);
    if (def == null) {
      String hint =
          Names.nearest(key, known.keySet())
              .map(n -> "; did you mean '" + n + "'?")
              .orElse("; see docs/CONFIGURATION.md for the known keys");
      throw new ConfigException("Unknown configuration key '" + spelledAs + "'" + hint);
    }
    String raw = value == null ? "" : value.toString().trim();
    if (!def.type().accepts(raw)) {
      throw new ConfigException(
          "Invalid value '" + raw + "' for " + key + ": expected " + def.type().accepted());
    }
    values.put(key, raw);
  }

  private static Map<String, ConfigKey> knownKeys() {
    Map<String, ConfigKey> known = new LinkedHashMap<>();
    EepKeys.all().forEach(k -> known.put(k.name(), k));
    for (ConfigKeySource source :
        ServiceLoader.load(ConfigKeySource.class, EepConfig.class.getClassLoader())) {
      source.configKeys().forEach(k -> known.putIfAbsent(k.name(), k));
    }
    return known;
  }

  /**
   * The explicit entries, with the value of {@code eep_secret} (and any other {@code *secret*} key)
   * hidden.
   */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>(values);
    shown.replaceAll((k, v) -> k.contains("secret") && !v.isEmpty() ? "<hidden>" : v);
    return "EepConfig" + shown;
  }
}
