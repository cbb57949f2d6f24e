package org.eep.examples;

import static java.util.Objects.requireNonNull;

import org.eep.djl.model.Preset;
import picocli.CommandLine.Option;

/**
 * {@code --ranks} and {@code --preset}, a picocli mixin: how many rank slots the EP instance a
 * command starts has, and which generated model it serves. Each command names its default preset.
 */
public final class InstanceOptions {
  private static final int DEFAULT_RANKS = 4;

  @Option(
      names = "--ranks",
      defaultValue = "" + DEFAULT_RANKS,
      description = "Rank slots of the instance (default: ${DEFAULT-VALUE}).")
  private int ranks;

  @Option(
      names = "--preset",
      description = "Generated model: tiny, small, demo or large (default: ${DEFAULT-VALUE}).")
  private String preset;

  private final String defaultPreset;

  /** Options whose {@code --preset} defaults to {@code defaultPreset}. */
  public InstanceOptions(String defaultPreset) {
    this.defaultPreset = requireNonNull(defaultPreset, "defaultPreset is null");
    this.preset = defaultPreset;
  }

  public int ranks() {
    return ranks;
  }

  /** The preset as given on the command line. */
  public String presetName() {
    return preset;
  }

  /**
   * The preset.
   *
   * @throws IllegalArgumentException if there is no preset of that name
   */
  public Preset preset() {
    return Preset.of(preset);
  }

  /**
   * The flags that reproduce these options where they differ from the defaults, each after a space.
   */
  public String flags() {
    return (preset.equals(defaultPreset) ? "" : " --preset " + preset)
        + (ranks == DEFAULT_RANKS ? "" : " --ranks " + ranks);
  }
}
