package org.eep.examples.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eep.djl.model.Preset;
import org.eep.examples.InstanceOptions;
import org.eep.examples.demo.FaultEvent;
import org.eep.examples.demo.RequestShape;
import org.eep.examples.demo.Scenario;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of the suites that run demo scenarios, a picocli mixin: {@code --ranks}, {@code
 * --preset}, {@code --transport}, {@code -o} and {@code --seed}, the same for every instance of a
 * suite.
 */
final class ScenarioOptions {
  private static final String DEFAULT_TRANSPORT = "local";
  private static final long DEFAULT_SEED = 42;

  @Mixin private final InstanceOptions instance = new InstanceOptions("demo");

  @Option(
      names = "--transport",
      defaultValue = DEFAULT_TRANSPORT,
      description = "Transport of every instance: local or tcp (default: ${DEFAULT-VALUE}).")
  private String transport;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "KEY=VALUE",
      description =
          "Extra eep_ configuration of every instance (default: eep_heartbeat_misses=20, see BenchOptions).")
  private Map<String, String> options = new LinkedHashMap<>(BenchOptions.DEFAULTS);

  @Option(
      names = "--seed",
      defaultValue = "" + DEFAULT_SEED,
      description = "Model and load seed (default: ${DEFAULT-VALUE}).")
  private long seed;

  int ranks() {
    return instance.ranks();
  }

  /** The preset (see {@link InstanceOptions#preset}). */
  Preset preset() {
    return instance.preset();
  }

  String transport() {
    return transport;
  }

  Map<String, String> options() {
    return options;
  }

  long seed() {
    return seed;
  }

  /** A scenario on these options with mixed requests. */
  Scenario scenario(
      String membership,
      long loadSeed,
      double seconds,
      double rate,
      int clients,
      List<FaultEvent> faults,
      boolean verify,
      double drainSeconds) {
    return new Scenario(
        instance.ranks(),
        transport,
        membership,
        instance.preset(),
        loadSeed,
        seconds,
        rate,
        clients,
        faults,
        RequestShape.MIXED,
        options,
        verify,
        drainSeconds);
  }

  /** The flags that reproduce these options where they differ from the defaults. */
  String flags() {
    return instance.flags()
        + (transport.equals(DEFAULT_TRANSPORT) ? "" : " --transport " + transport)
        + (seed == DEFAULT_SEED ? "" : " --seed " + seed)
        + BenchOptions.flags(options);
  }
}
