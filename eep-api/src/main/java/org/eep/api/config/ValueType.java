package org.eep.api.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a {@link ConfigKey} accepts. Each type can tell whether a raw string fits and say what fits.
 */
public sealed interface ValueType {

  /** True if {@code raw} is a valid value of this type. */
  boolean accepts(String raw);

  /** A human phrase for the accepted values, used in error messages ("an integer in [1, 64]"). */
  String accepted();

  /** Whole numbers in {@code [min, max]}; with {@code auto}, also the word "auto". */
  record Integer(long min, long max, boolean auto) implements ValueType {
    @Override
    public boolean accepts(String raw) {
      if (auto && "auto".equals(raw)) {
        return true;
      }
      try {
        long v = Long.parseLong(raw);
        return v >= min && v <= max;
      } catch (NumberFormatException e) {
        return false;
      }
    }

    @Override
    public String accepted() {
      String range = "an integer in [" + min + ", " + max + "]";
      return auto ? range + " or \"auto\"" : range;
    }
  }

  /** Decimal numbers in {@code [min, max]}. */
  record Decimal(double min, double max) implements ValueType {
    @Override
    public boolean accepts(String raw) {
      try {
        double v = Double.parseDouble(raw);
        return v >= min && v <= max;
      } catch (NumberFormatException e) {
        return false;
      }
    }

    @Override
    public String accepted() {
      return "a number in [" + min + ", " + max + "]";
    }
  }

  /** One word out of a fixed list. */
  record Choice(List<String> choices) implements ValueType {
    public Choice {
      choices = List.copyOf(requireNonNull(choices, "choices is null"));
    }

    @Override
    public boolean accepts(String raw) {
      return choices.contains(raw);
    }

    @Override
    public String accepted() {
      return "one of " + String.join(", ", choices);
    }
  }

  /** {@code true} or {@code false}. */
  record Flag() implements ValueType {
    @Override
    public boolean accepts(String raw) {
      return "true".equals(raw) || "false".equals(raw);
    }

    @Override
    public String accepted() {
      return "true or false";
    }
  }

  /** Any text (provider names, addresses, secrets). */
  record Text() implements ValueType {
    @Override
    public boolean accepts(String raw) {
      return true;
    }

    @Override
    public String accepted() {
      return "any text";
    }
  }
}
