package org.eep.djl.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepKeys;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.Preset;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DJL finds the EEP engine, loads a checkpoint through Criteria and predicts the reference tokens.
 */
class EepEngineTest {
  @TempDir static Path tiny;

  @BeforeAll
  static void generateCheckpoint() throws IOException {
    CheckpointGenerator.generate(Preset.TINY.config(), 42, tiny, s -> {});
  }

  private static Criteria.Builder<GenerationRequest, GenerationResult> criteria() {
    return Criteria.builder()
        .setTypes(GenerationRequest.class, GenerationResult.class)
        .optModelPath(tiny)
        .optEngine(EepEngine.ENGINE_NAME);
  }

  @Test
  void djlFindsTheEngineByServiceLoaderAndKeepsPyTorchAsDefault() {
    assertThat(Engine.getAllEngines()).contains("EEP", "PyTorch");
    Engine eep = Engine.getEngine("EEP");
    assertThat(eep).isInstanceOf(EepEngine.class);
    assertThat(eep.getEngineName()).isEqualTo("EEP");
    assertThat(eep.getAlternativeEngine().getEngineName()).isEqualTo("PyTorch");
    assertThat(Engine.getDefaultEngineName()).isEqualTo("PyTorch");
    try (var manager = eep.newBaseManager()) {
      assertThat(manager.getEngine().getEngineName()).isEqualTo("PyTorch");
    }
  }

  @Test
  void argumentsStartTheInstanceInsideLoadModelAndPredictionsMatchTheReference() throws Exception {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("args")).forEach(b::optArgument);
    try (ZooModel<GenerationRequest, GenerationResult> model = b.build().loadModel()) {
      EepModel eep = EepModel.of(model);
      assertThat(eep.started()).as("started by loadModel()").isTrue();
      assertThat(eep.cluster().size()).isEqualTo(2);
      assertThat(model.getNDManager().getEngine().getEngineName()).isEqualTo("PyTorch");
      try (Predictor<GenerationRequest, GenerationResult> predictor = model.newPredictor()) {
        GenerationRequest one = new GenerationRequest("single", new int[] {7, 300, 11}, 6);
        GenerationResult got = predictor.predict(one);
        assertThat(got.id()).isEqualTo("single");
        assertThat(got.tokens()).isEqualTo(EngineFixture.expected(tiny, one));
        assertThat(got.degraded()).isFalse();

        List<GenerationRequest> batch = EngineFixture.requests("batch", 6, 3);
        List<GenerationResult> results = predictor.batchPredict(batch);
        assertThat(results).hasSize(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          assertThat(results.get(i).id()).isEqualTo(batch.get(i).id());
          assertThat(results.get(i).tokens())
              .as(batch.get(i).id())
              .isEqualTo(EngineFixture.expected(tiny, batch.get(i)));
        }
      }
    }
  }

  @Test
  void optionsWithAPlainTranslatorStartTheInstanceAtTheFirstPredictor() throws Exception {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslator(new EepTranslator());
    EngineFixture.options(EngineFixture.freshInstance("opts"))
        .forEach((k, v) -> b.optOption(k, v.toString()));
    try (ZooModel<GenerationRequest, GenerationResult> model = b.build().loadModel()) {
      assertThat(EepModel.of(model).started()).isFalse();
      try (Predictor<GenerationRequest, GenerationResult> predictor = model.newPredictor()) {
        assertThat(EepModel.of(model).started()).isTrue();
        GenerationRequest r = new GenerationRequest("r", new int[] {1, 2, 3, 4}, 5);
        assertThat(predictor.predict(r).tokens()).isEqualTo(EngineFixture.expected(tiny, r));
      }
    }
  }

  @ParameterizedTest(name = "as {0}")
  @ValueSource(strings = {"argument", "option"})
  void aMisspelledKeyFailsTheLoadNamingTheKnownKey(String how) {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    Map<String, Object> options = EngineFixture.options(EngineFixture.freshInstance("typo"));
    options.put("eep_max_rank", options.remove("eep_max_ranks"));
    options.forEach(
        (k, v) -> {
          if (how.equals("argument")) {
            b.optArgument(k, v);
          } else {
            b.optOption(k, v.toString());
          }
        });
    assertThatThrownBy(() -> b.build().loadModel())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eep_max_rank")
        .hasMessageContaining("did you mean 'eep_max_ranks'");
  }

  @Test
  void aBadValueFailsTheLoadNamingTheKey() {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("value")).forEach(b::optArgument);
    b.optArgument("eep_max_ranks", "two");
    assertThatThrownBy(() -> b.build().loadModel())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eep_max_ranks");
  }

  @Test
  void oneRankPerProcessIsRefusedNamingEepRank() {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("rank")).forEach(b::optArgument);
    b.optOption("eep_rank", "1");
    assertThatThrownBy(() -> b.build().loadModel())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eep_rank=1");
  }

  @Test
  void anUnknownProviderFailsTheLoadNamingIt() {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("provider")).forEach(b::optArgument);
    b.optArgument("eep_transport", "carrier-pigeon");
    assertThatThrownBy(() -> b.build().loadModel()).hasMessageContaining("carrier-pigeon");
  }

  @Test
  void twoModelsCannotServeOneInstanceNameAndClosingFreesIt() throws Exception {
    String instance = EngineFixture.freshInstance("shared");
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(instance).forEach(b::optArgument);
    Criteria<GenerationRequest, GenerationResult> c = b.build();
    GenerationRequest r = new GenerationRequest("r", new int[] {9, 8, 7}, 4);
    try (ZooModel<GenerationRequest, GenerationResult> first = c.loadModel()) {
      assertThatThrownBy(c::loadModel)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("eep_instance=" + instance);
      try (Predictor<GenerationRequest, GenerationResult> p = first.newPredictor()) {
        assertThat(p.predict(r).tokens()).isEqualTo(EngineFixture.expected(tiny, r));
      }
    }
    try (ZooModel<GenerationRequest, GenerationResult> again = c.loadModel();
        Predictor<GenerationRequest, GenerationResult> p = again.newPredictor()) {
      assertThat(p.predict(r).tokens()).isEqualTo(EngineFixture.expected(tiny, r));
    }
  }

  @Test
  void theEnvironmentOverridesOptionsInDjlServingSpelling() throws Exception {
    String instance = EngineFixture.freshInstance("env");
    Map<String, Object> options = EngineFixture.options(instance);
    options.put("eep_max_ranks", 4);
    EepEngine engine = (EepEngine) Engine.getEngine("EEP");
    try (EepModel model =
        new EepModel("env", null, engine, Map.of("OPTION_EEP_MAX_RANKS", "2", "PATH", "/bin"))) {
      model.load(tiny, null, options);
      model.start(Map.of());
      assertThat(model.cluster().size()).isEqualTo(2);
      assertThat(model.eepConfig().getString(EepKeys.INSTANCE)).isEqualTo(instance);
    }
    try (EepModel model =
        new EepModel("env-typo", null, engine, Map.of("OPTION_EEP_MAX_RANK", "2"))) {
      assertThatThrownBy(
              () ->
                  model.load(tiny, null, EngineFixture.options(EngineFixture.freshInstance("env"))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("OPTION_EEP_MAX_RANK")
          .hasMessageContaining("eep_max_ranks");
    }
  }

  @Test
  void aDirectoryWithoutACheckpointFailsTheLoadNamingTheFile(@TempDir Path empty) {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        Criteria.builder()
            .setTypes(GenerationRequest.class, GenerationResult.class)
            .optModelPath(empty)
            .optEngine("EEP")
            .optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("empty")).forEach(b::optArgument);
    assertThatThrownBy(() -> b.build().loadModel()).hasMessageContaining("config.json");
  }

  @Test
  void startedModelsRefuseLateChangesButAcceptWhatIsInEffect() throws Exception {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    Map<String, Object> options = EngineFixture.options(EngineFixture.freshInstance("late"));
    options.forEach(b::optArgument);
    try (ZooModel<GenerationRequest, GenerationResult> model = b.build().loadModel()) {
      EepModel eep = EepModel.of(model);
      eep.start(options);
      eep.start(Map.of());
      Map<String, Object> changed = new HashMap<>(options);
      changed.put("eep_max_batch", 3);
      assertThatThrownBy(() -> eep.start(changed))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("eep_max_batch");
    }
  }

  @Test
  void aRefusedRequestEndsThePredictionNamingTheReason() throws Exception {
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        criteria().optTranslatorFactory(new EepTranslatorFactory());
    EngineFixture.options(EngineFixture.freshInstance("refused")).forEach(b::optArgument);
    try (ZooModel<GenerationRequest, GenerationResult> model = b.build().loadModel();
        Predictor<GenerationRequest, GenerationResult> predictor = model.newPredictor()) {
      assertThatThrownBy(
              () -> predictor.predict(new GenerationRequest("bad", new int[] {1, 100_000}, 3)))
          .isInstanceOf(TranslateException.class)
          .hasMessageContaining("outside the vocabulary");
      GenerationRequest r = new GenerationRequest("good", new int[] {1, 2}, 3);
      assertThat(predictor.predict(r).tokens()).isEqualTo(EngineFixture.expected(tiny, r));
    }
  }

  @Test
  void withoutAnEepTranslatorDjlFindsNoModel() {
    Criteria.Builder<GenerationRequest, GenerationResult> b = criteria();
    EngineFixture.options(EngineFixture.freshInstance("no-translator")).forEach(b::optArgument);
    assertThatThrownBy(() -> b.build().loadModel())
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining(
            "No model with the specified URI or the matching Input/Output type is found")
        .rootCause()
        .hasMessageContaining("No matching default translator found");
  }
}
