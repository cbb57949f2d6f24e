package org.eep.examples.bench.throughput;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eep.djl.request.GenerationRequest;

/**
 * The side-by-side baseline: Hugging Face transformers' {@code Qwen3MoeForCausalLM} on the same
 * checkpoint and requests, run by {@code examples/src/main/python/hf_baseline.py} where Python has
 * torch and transformers. Not a dependency: where they are missing, nothing is measured and the
 * report says so.
 */
final class HfBaseline {
  static final Path SCRIPT = Path.of("examples/src/main/python/hf_baseline.py");
  private static final Gson GSON = new Gson();

  private HfBaseline() {}

  /** Why the baseline cannot run here, or empty if it can. */
  static Optional<String> unavailable() {
    if (!Files.isRegularFile(SCRIPT)) {
      return Optional.of(SCRIPT + " not found (run from the project root)");
    }
    try {
      Process p =
          new ProcessBuilder("python3", "-c", "import torch, transformers")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Optional.of("python3 has no torch and transformers");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("no python3 (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  /**
   * Runs {@code requests} in static batches of {@code concurrency} with one torch thread and
   * transformers' {@code experts} implementation ({@code eager} or {@code grouped_mm}).
   */
  static JsonObject run(
      Path model, List<GenerationRequest> requests, int concurrency, String experts, Path work)
      throws IOException, InterruptedException {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("model", model.toAbsolutePath().toString());
    spec.put("threads", 1);
    spec.put("concurrency", concurrency);
    spec.put("new_tokens", requests.get(0).maxNewTokens());
    spec.put("experts", experts);
    spec.put("prompts", requests.stream().map(GenerationRequest::prompt).toList());
    Files.createDirectories(work);
    Path file = work.resolve("hf-spec.json");
    Files.writeString(file, GSON.toJson(spec), StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder("python3", SCRIPT.toString(), file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("the HF baseline failed (exit " + p.exitValue() + "): " + out);
    }
    String[] lines = out.strip().split("\n");
    return GSON.fromJson(lines[lines.length - 1], JsonObject.class);
  }
}
