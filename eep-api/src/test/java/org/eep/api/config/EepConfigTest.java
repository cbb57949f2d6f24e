package org.eep.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EepConfigTest {

  @Test
  void readsTypedValuesAndDefaults() {
    EepConfig c =
        EepConfig.of(
            Map.of(
                "eep_max_ranks",
                "8",
                "option.eep_transport",
                "local",
                "eep_on_coverage_loss",
                "drop"));
    assertThat(c.getInt(EepKeys.MAX_RANKS)).isEqualTo(8);
    assertThat(c.getString(EepKeys.TRANSPORT)).isEqualTo("local");
    assertThat(c.getString(EepKeys.ON_COVERAGE_LOSS)).isEqualTo("drop");
    assertThat(c.getLong(EepKeys.STEP_TIMEOUT_MS)).isEqualTo(2000);
    assertThat(c.isAuto(EepKeys.REDUNDANT_EXPERTS)).isTrue();
    assertThat(c.isSet(EepKeys.STEP_TIMEOUT_MS)).isFalse();
  }

  @Test
  void ignoresKeysThatBelongToDjl() {
    EepConfig c = EepConfig.of(Map.of("engine", "EEP", "batch_size", "4"));
    assertThat(c.asMap()).isEmpty();
  }

  @Test
  void anUnknownKeyFailsNamingTheNearestKnownKey() {
    assertThatThrownBy(() -> EepConfig.of(Map.of("eep_transprot", "ucx")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Unknown configuration key 'eep_transprot'; did you mean 'eep_transport'?");
  }

  @Test
  void anOutOfRangeValueFailsNamingTheKeyAndWhatIsAccepted() {
    assertThatThrownBy(() -> EepConfig.of(Map.of("eep_max_ranks", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid value '0' for eep_max_ranks: expected an integer in [1, 4096]");
  }

  @Test
  void aValueOutsideAChoiceFailsListingTheChoices() {
    assertThatThrownBy(() -> EepConfig.of(Map.of("eep_on_coverage_loss", "ignore")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value 'ignore' for eep_on_coverage_loss: expected one of refuse, drop");
  }

  @Test
  void environmentVariablesMapToKeysAndWinOverOptions() {
    EepConfig c =
        EepConfig.of(
            Map.of("eep_max_ranks", "2"), Map.of("OPTION_EEP_MAX_RANKS", "6", "PATH", "/bin"));
    assertThat(c.getInt(EepKeys.MAX_RANKS)).isEqualTo(6);
  }

  @Test
  void aBadEnvironmentVariableIsNamedAsSpelled() {
    assertThatThrownBy(() -> EepConfig.of(Map.of(), Map.of("OPTION_EEP_HEARTBEAT", "5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Unknown configuration key 'OPTION_EEP_HEARTBEAT'; did you mean 'eep_heartbeat_ms'?");
  }

  @Test
  void copiesAreValidatedToo() {
    EepConfig c = EepConfig.of(Map.of());
    assertThat(c.with("eep_rank", 3).getInt(EepKeys.RANK)).isEqualTo(3);
    assertThatThrownBy(() -> c.with("eep_rank", "three")).hasMessageContaining("eep_rank");
  }

  @Test
  void theSecretIsNeverPrinted() {
    EepConfig c = EepConfig.of(Map.of("eep_secret", "hunter2-hunter2", "eep_rank", 1));
    assertThat(c.toString())
        .contains("eep_secret=<hidden>")
        .contains("eep_rank=1")
        .doesNotContain("hunter2");
    assertThat(c.getString(EepKeys.SECRET)).isEqualTo("hunter2-hunter2");
  }
}
