package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eep.examples.config.ConfigCommand;
import org.junit.jupiter.api.Test;

/** docs/CONFIGURATION.md lists exactly the keys the code knows, with their defaults and ranges. */
class ConfigurationDocIT {
  @Test
  void theConfigurationDocMatchesTheKeysOnTheClassPath() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "CONFIGURATION.md"));
    assertThat(doc).contains(ConfigCommand.table());
  }
}
