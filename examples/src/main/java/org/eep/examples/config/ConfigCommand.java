package org.eep.examples.config;

import java.util.Map;
import java.util.concurrent.Callable;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;
import picocli.CommandLine.Command;

/**
 * {@code ./eep config}: every configuration key the class path knows (the core keys and those of
 * each provider present), as the Markdown table of docs/CONFIGURATION.md.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description =
        "Print every known eep_* configuration key as a Markdown table (docs/CONFIGURATION.md is this output).")
public final class ConfigCommand implements Callable<Integer> {

  /** The table: one row per key, in registration order (core keys first, then providers'). */
  public static String table() {
    StringBuilder sb =
        new StringBuilder("| key | default | accepts | meaning |\n|---|---|---|---|\n");
    for (ConfigKey k : EepConfig.of(Map.of()).knownKeyList()) {
      sb.append("| `")
          .append(k.name())
          .append("` | ")
          .append(k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`")
          .append(" | ")
          .append(k.type().accepted())
          .append(" | ")
          .append(k.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return sb.toString();
  }

  @Override
  public Integer call() {
    System.out.print(table());
    return 0;
  }
}
