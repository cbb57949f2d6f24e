package org.eep.djl.engine;

import static java.util.Objects.requireNonNull;

import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;

/**
 * Makes the translators of an {@link EepModel} and starts its EP instance. DJL's model loader calls
 * {@link #newInstance} right after {@code Model.load}, with Criteria's arguments (plus the
 * non-{@code option.} keys of {@code serving.properties}); their {@code eep_*} entries complete the
 * model's options ({@link EepModel#start}), so when {@code Criteria.loadModel()} returns every rank
 * serves, and a bad argument fails the load naming the key.
 *
 * <p>Supported types: {@code (GenerationRequest, GenerationResult)} with {@link EepTranslator}, and
 * {@code (Input, Output)} with {@link EepServingTranslator}, which is what DJL Serving asks for.
 * Pick it with {@code Criteria.optTranslatorFactory(new EepTranslatorFactory())}, {@code
 * optArgument("translatorFactory", EepTranslatorFactory.class.getName())}, or {@code
 * translatorFactory=org.eep.djl.engine.EepTranslatorFactory} in DJL Serving's {@code
 * serving.properties}.
 *
 * <p>If the instance cannot start, the model is closed (the loader that called this never hands it
 * out) and the failure propagates unwrapped. Stateless and thread-safe; DJL creates it
 * reflectively.
 */
public final class EepTranslatorFactory implements TranslatorFactory {
  private static final Set<Pair<Type, Type>> TYPES =
      Set.of(
          new Pair<>(GenerationRequest.class, GenerationResult.class),
          new Pair<>(Input.class, Output.class));

  /** Called reflectively by DJL, or by the application. */
  public EepTranslatorFactory() {}

  @Override
  public Set<Pair<Type, Type>> getSupportedTypes() {
    return TYPES;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <I, O> Translator<I, O> newInstance(
      Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
    requireNonNull(input, "input is null");
    requireNonNull(output, "output is null");
    requireNonNull(model, "model is null");
    if (!isSupported(input, output)) {
      throw new IllegalArgumentException(
          "EepTranslatorFactory translates (GenerationRequest, GenerationResult) and (Input, Output), not ("
              + input.getName()
              + ", "
              + output.getName()
              + ")");
    }
    EepModel eep = EepModel.of(model);
    try {
      eep.start(arguments);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      eep.close();
      throw new EngineException("Interrupted while starting the EP instance", e);
    } catch (RuntimeException | Error e) {
      eep.close();
      throw e;
    }
    return (Translator<I, O>)
        (input == Input.class ? new EepServingTranslator() : new EepTranslator());
  }
}
