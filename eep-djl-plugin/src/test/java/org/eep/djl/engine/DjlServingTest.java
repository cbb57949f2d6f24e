package org.eep.djl.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
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
 * A model directory with {@code serving.properties}, loaded the ways DJL and DJL Serving load it:
 * DJL Serving's workload manager splits the file into options ({@code option.} stripped) and
 * arguments and asks for {@code Input}/{@code Output}; plain DJL reads the file itself.
 */
class DjlServingTest {
  @TempDir static Path root;
  static Path tiny;

  @BeforeAll
  static void generateCheckpoint() throws IOException {
    tiny = Files.createDirectories(root.resolve("tiny"));
    CheckpointGenerator.generate(Preset.TINY.config(), 42, tiny, s -> {});
  }

  /** A copy of the checkpoint with a serving.properties for a fresh instance. */
  private static Path modelDir(String name) throws IOException {
    Path dir = EngineFixture.copyModel(tiny, root, name);
    Properties p = new Properties();
    p.setProperty("engine", "EEP");
    p.setProperty("translatorFactory", EepTranslatorFactory.class.getName());
    EngineFixture.options(EngineFixture.freshInstance(name))
        .forEach((k, v) -> p.setProperty("option." + k, v.toString()));
    try (Writer w = Files.newBufferedWriter(dir.resolve("serving.properties"))) {
      p.store(w, "EEP model for DJL Serving");
    }
    return dir;
  }

  private static Properties read(Path dir) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(dir.resolve("serving.properties"))) {
      p.load(r);
    }
    return p;
  }

  /** What DJL Serving's ModelInfo does: option.x is an option x, every other key an argument. */
  @Test
  void djlServingsWorkloadManagerLoadsAndServesJson() throws Exception {
    Path dir = modelDir("serving");
    Properties p = read(dir);
    Map<String, String> options = new ConcurrentHashMap<>();
    Map<String, Object> arguments = new ConcurrentHashMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("option.")) {
        options.put(key.substring("option.".length()), p.getProperty(key));
      } else {
        arguments.put(key, p.getProperty(key));
      }
    }
    Criteria<Input, Output> criteria =
        Criteria.builder()
            .setTypes(Input.class, Output.class)
            .optModelUrls(dir.toUri().toURL().toString())
            .optEngine(p.getProperty("engine"))
            .optArguments(arguments)
            .optOptions(options)
            .build();
    try (ZooModel<Input, Output> model = criteria.loadModel();
        Predictor<Input, Output> predictor = model.newPredictor()) {
      assertThat(EepModel.of(model).started()).isTrue();
      List<GenerationRequest> requests = EngineFixture.requests("json", 4, 11);
      List<Input> inputs = new ArrayList<>();
      for (GenerationRequest r : requests) {
        inputs.add(
            json(
                "{\"inputs\": "
                    + Arrays.toString(r.prompt())
                    + ", \"parameters\": {\"max_new_tokens\": "
                    + r.maxNewTokens()
                    + "}}"));
      }
      inputs.add(json("{\"inputs\": [1, 2], \"parameters\": {}}"));
      inputs.add(json("{\"inputs\": [1, 100000], \"parameters\": {\"max_new_tokens\": 3}}"));
      inputs.add(json("not json"));

      List<Output> outputs = predictor.batchPredict(inputs);

      for (int i = 0; i < requests.size(); i++) {
        Output out = outputs.get(i);
        assertThat(out.getCode()).isEqualTo(200);
        JsonObject body = JsonParser.parseString(out.getData().getAsString()).getAsJsonObject();
        int[] tokens =
            IntStream.range(0, body.getAsJsonArray("token_ids").size())
                .map(j -> body.getAsJsonArray("token_ids").get(j).getAsInt())
                .toArray();
        assertThat(tokens)
            .as(requests.get(i).id())
            .isEqualTo(EngineFixture.expected(tiny, requests.get(i)));
        assertThat(body.get("degraded").getAsBoolean()).isFalse();
      }
      assertThat(outputs.get(4).getCode()).isEqualTo(400);
      assertThat(outputs.get(4).getMessage()).contains("max_new_tokens");
      assertThat(outputs.get(5).getCode()).isEqualTo(400);
      assertThat(outputs.get(5).getMessage()).contains("outside the vocabulary");
      assertThat(outputs.get(6).getCode()).isEqualTo(400);
      assertThat(outputs.get(6).getMessage()).contains("JSON");
    }
  }

  /**
   * The properties passed as Criteria arguments with {@code option.} stripped, or not passed at all
   * (DJL's model loader then reads the file: {@code engine=EEP} picks the engine, {@code option.*}
   * become options).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stripped-arguments", "file-only"})
  void plainDjlLoadsTheDirectoryTheSameWay(String how) throws Exception {
    Path dir = modelDir(how);
    Criteria.Builder<GenerationRequest, GenerationResult> b =
        Criteria.builder()
            .setTypes(GenerationRequest.class, GenerationResult.class)
            .optModelPath(dir)
            .optTranslatorFactory(new EepTranslatorFactory());
    if (how.equals("stripped-arguments")) {
      Properties p = read(dir);
      for (String key : p.stringPropertyNames()) {
        b.optArgument(
            key.startsWith("option.") ? key.substring("option.".length()) : key,
            p.getProperty(key));
      }
      b.optEngine(p.getProperty("engine"));
    }
    try (ZooModel<GenerationRequest, GenerationResult> model = b.build().loadModel();
        Predictor<GenerationRequest, GenerationResult> predictor = model.newPredictor()) {
      EepModel eep = EepModel.of(model);
      assertThat(eep.cluster().size()).isEqualTo(2);
      assertThat(eep.eepConfig().asMap())
          .containsEntry("eep_transport", "local")
          .containsEntry("eep_max_ranks", "2");
      GenerationRequest r = new GenerationRequest("r", new int[] {5, 4, 3, 2, 1}, 7);
      assertThat(predictor.predict(r).tokens()).isEqualTo(EngineFixture.expected(tiny, r));
    }
  }

  private static Input json(String body) {
    Input in = new Input();
    in.addProperty("Content-Type", "application/json");
    in.add(body);
    return in;
  }
}
