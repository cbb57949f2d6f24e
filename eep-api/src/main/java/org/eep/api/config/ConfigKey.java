package org.eep.api.config;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One documented configuration key: its name ({@code eep_*}), what it accepts, its default and a
 * one-line description. Immutable. The core keys are in {@link EepKeys}; a provider declares its
 * own through a {@link ConfigKeySource}.
 */
public record ConfigKey(String name, ValueType type, String defaultValue, String description) {
  public ConfigKey {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(defaultValue, "defaultValue is null");
    requireNonNull(description, "description is null");
    if (!name.startsWith(EepConfig.PREFIX)) {
      throw new IllegalArgumentException(
          "config key must start with " + EepConfig.PREFIX + ": " + name);
    }
    if (!defaultValue.isEmpty() && !type.accepts(defaultValue)) {
      throw new IllegalArgumentException("default of " + name + " is not " + type.accepted());
    }
  }

  public static ConfigKey integer(
      String name, long defaultValue, long min, long max, String description) {
    return new ConfigKey(
        name, new ValueType.Integer(min, max, false), Long.toString(defaultValue), description);
  }

  /** An integer key that also accepts "auto" (the runtime derives the value). */
  public static ConfigKey integerOrAuto(String name, long min, long max, String description) {
    return new ConfigKey(name, new ValueType.Integer(min, max, true), "auto", description);
  }

  public static ConfigKey decimal(
      String name, double defaultValue, double min, double max, String description) {
    return new ConfigKey(
        name, new ValueType.Decimal(min, max), Double.toString(defaultValue), description);
  }

  public static ConfigKey choice(
      String name, String defaultValue, String description, String... choices) {
    return new ConfigKey(name, new ValueType.Choice(List.of(choices)), defaultValue, description);
  }

  /**
   * A choice among the constants of {@code defaultValue}'s enum, spelled in lower case; read it
   * with {@link EepConfig#getEnum}.
   */
  public static <E extends Enum<E>> ConfigKey choice(
      String name, E defaultValue, String description) {
    requireNonNull(defaultValue, "defaultValue is null");
    List<String> choices = new ArrayList<>();
    for (E e : defaultValue.getDeclaringClass().getEnumConstants()) {
      choices.add(e.name().toLowerCase(Locale.ROOT));
    }
    return new ConfigKey(
        name,
        new ValueType.Choice(choices),
        defaultValue.name().toLowerCase(Locale.ROOT),
        description);
  }

  public static ConfigKey flag(String name, boolean defaultValue, String description) {
    return new ConfigKey(name, new ValueType.Flag(), Boolean.toString(defaultValue), description);
  }

  public static ConfigKey text(String name, String defaultValue, String description) {
    return new ConfigKey(name, new ValueType.Text(), defaultValue, description);
  }
}
