package org.eep.djl.engine;

import static java.util.Objects.requireNonNull;

import ai.djl.BaseModel;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.LambdaBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.translate.Translator;
import com.google.inject.CreationException;
import com.google.inject.ProvisionException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.api.spi.Providers;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.instance.RankHostProvider;
import org.eep.djl.metrics.InstanceMetrics;
import org.eep.djl.metrics.PrometheusEndpoint;
import org.eep.djl.metrics.RankMetrics;
import org.eep.djl.model.CheckpointException;
import org.eep.djl.model.CheckpointGenerator;
import org.eep.djl.model.MoeConfig;

/**
 * A mixture-of-experts checkpoint served by an EP instance: what {@code Criteria.loadModel()}
 * returns (wrapped in a {@link ZooModel}) when the engine is {@value EepEngine#ENGINE_NAME}.
 *
 * <p>Life cycle, driven by DJL's model loader:
 *
 * <ol>
 *   <li>{@link #load(Path, String, Map)} reads the model directory ({@code config.json} and {@code
 *       model.safetensors}) and the {@code eep_*} options: DJL's options, which are Criteria's
 *       {@code optOption}s and the {@code option.eep_*} keys of {@code serving.properties} (DJL and
 *       DJL Serving strip {@code option.}; a key that still carries it is accepted too), overridden
 *       by the environment ({@code OPTION_EEP_MAX_RANKS} sets {@code eep_max_ranks}). Every {@code
 *       eep_} key is validated here; an unknown or malformed one fails naming the key.
 *   <li>{@link #start(Map)} adds the {@code eep_*} entries of Criteria's arguments ({@code
 *       optArgument}), which DJL hands to the translator factory rather than to the model, wires
 *       the instance with Guice ({@link EepModule}) and starts every rank ({@link
 *       EpCluster#start}). {@link EepTranslatorFactory} calls it, so with that factory the instance
 *       serves when {@code loadModel()} returns; otherwise the first {@link
 *       #newPredictor(Translator, Device)} starts it without arguments.
 *   <li>{@link #close()} stops the ranks and releases the tensors.
 * </ol>
 *
 * <p>Precedence of an {@code eep_} key given more than once: environment, then argument, then
 * option (Criteria's options, then {@code serving.properties}). Ranks and processes: only {@code
 * eep_rank=-1} (every rank of the instance in this process, on this model's device) is served;
 * {@code eep_rank=N} is refused naming the key. Two models in one JVM must not share an {@code
 * eep_instance} name, which namespaces the in-process fabric and membership; the second to start is
 * refused naming the key.
 *
 * <p>Threading: load, start and close are serialised on the model; predictors created from it may
 * be used from many threads at once (the EP instance is thread-safe), each predictor by one thread.
 */
public final class EepModel extends BaseModel {
  private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();

  private final Map<String, String> env;
  private Map<String, Object> loadOptions = Map.of();
  private MoeConfig moe;
  private EepConfig config;
  private String instanceName;
  private boolean closed;
  private volatile EpInstance instance;
  private volatile Optional<PrometheusEndpoint> metrics = Optional.empty();

  /**
   * Created by {@link EepEngine#newModel}; {@code env} supplies the {@code OPTION_EEP_*} overrides.
   */
  EepModel(String name, Device device, EepEngine engine, Map<String, String> env) {
    super(requireNonNull(name, "name is null"));
    requireNonNull(engine, "engine is null");
    this.env = Map.copyOf(requireNonNull(env, "env is null"));
    this.manager = engine.newBaseManager(device != null ? device : engine.defaultDevice());
    this.manager.setName("eepModel");
    this.dataType = DataType.FLOAT32;
  }

  /** The EEP model behind {@code model}, unwrapping a {@link ZooModel}. */
  static EepModel of(Model model) {
    Model m = model instanceof ZooModel<?, ?> z ? z.getWrappedModel() : model;
    if (m instanceof EepModel eep) {
      return eep;
    }
    throw new IllegalArgumentException(
        "The EEP translators need a model of the EEP engine (Criteria.optEngine(\"EEP\") or "
            + "engine=EEP in serving.properties); got "
            + (m == null ? "no model" : m.getClass().getName()));
  }

  @Override
  public synchronized void load(Path modelPath, String prefix, Map<String, ?> options)
      throws IOException, MalformedModelException {
    requireNonNull(modelPath, "modelPath is null");
    requireOpen();
    if (wasLoaded) {
      throw new IllegalStateException("model " + modelName + " is already loaded from " + modelDir);
    }
    Map<String, Object> eep = EepOptions.eepEntries(options);
    configure(eep);
    Path dir = modelPath.toAbsolutePath();
    if (Files.isRegularFile(dir)) {
      dir = dir.getParent();
    }
    for (String file : List.of(MoeConfig.FILE, CheckpointGenerator.WEIGHTS)) {
      if (!Files.isRegularFile(dir.resolve(file))) {
        throw new FileNotFoundException(
            dir.resolve(file)
                + ": missing (an EEP model directory holds "
                + MoeConfig.FILE
                + " and "
                + CheckpointGenerator.WEIGHTS
                + ")");
      }
    }
    try {
      moe = MoeConfig.read(dir);
    } catch (CheckpointException e) {
      throw new MalformedModelException(e.getMessage(), e);
    }
    setModelDir(dir);
    loadOptions = eep;
    block = new LambdaBlock(list -> list, "eep");
    wasLoaded = true;
  }

  /** Not supported: an EEP model is a directory, never a stream. */
  @Override
  public void load(InputStream is, Map<String, ?> options) {
    throw new UnsupportedOperationException(
        "An EEP model loads from a directory (config.json + model.safetensors)");
  }

  /**
   * Starts the EP instance with the load options overlaid by the {@code eep_*} entries of {@code
   * arguments} (other entries are DJL's and ignored); returns once every rank serves. Once the
   * instance runs, a call whose arguments change nothing does nothing, and one that would change an
   * option fails naming it. Called by {@link EepTranslatorFactory} from inside {@code
   * Criteria.loadModel()}.
   *
   * @throws ConfigException if an option is unknown or malformed, {@code eep_rank} is not -1, or
   *     another model of this JVM serves the same {@code eep_instance}
   */
  public synchronized void start(Map<String, ?> arguments) throws InterruptedException {
    requireOpen();
    if (!wasLoaded) {
      throw new IllegalStateException(
          "model " + modelName + " is not loaded; call load() before start()");
    }
    if (instance != null) {
      EepConfig wanted = configure(EepOptions.overlay(config.asMap(), arguments));
      Set<String> changed = new TreeSet<>(wanted.asMap().keySet());
      changed.addAll(config.asMap().keySet());
      changed.removeIf(k -> Objects.equals(wanted.asMap().get(k), config.asMap().get(k)));
      if (!changed.isEmpty()) {
        throw new IllegalStateException(
            "The EP instance of model "
                + modelName
                + " already runs; "
                + changed
                + " cannot change any more (give eep_ keys as options, or as arguments to the first start)");
      }
      return;
    }
    EepConfig wanted = configure(EepOptions.overlay(loadOptions, arguments));
    String name = wanted.getString(EepKeys.INSTANCE);
    if (!RUNNING.add(name)) {
      throw new ConfigException(
          EepKeys.INSTANCE.name()
              + "="
              + name
              + " is already served by another EEP model in this JVM; "
              + "give each model, and each device a model is loaded on, its own "
              + EepKeys.INSTANCE.name());
    }
    try {
      EpInstance started =
          Providers.find(RankHostProvider.class, wanted.getString(EepKeys.RANKS))
              .start(wanted, modelDir, manager);
      instance = started;
      metrics =
          PrometheusEndpoint.startIfEnabled(
              wanted,
              started instanceof EpCluster c
                  ? new RankMetrics(c)
                  : new InstanceMetrics(started.router()));
      config = wanted;
      instanceName = name;
    } catch (ProvisionException | CreationException e) {
      RUNNING.remove(name);
      throw unwrap(e);
    } catch (RuntimeException | InterruptedException e) {
      RUNNING.remove(name);
      throw e;
    } catch (Exception e) {
      RUNNING.remove(name);
      throw new EngineException(
          "The EP instance of model " + modelName + " could not start: " + e.getMessage(), e);
    }
  }

  /** True once {@link #start} has returned and until {@link #close()}. */
  public boolean started() {
    return instance != null;
  }

  /**
   * The running EP instance, wherever its ranks run: for token streaming ({@link EpInstance#submit}
   * with a listener) and its front end.
   *
   * @throws IllegalStateException if the instance is not running
   */
  public EpInstance instance() {
    EpInstance i = instance;
    if (i == null) {
      throw new IllegalStateException(
          "The EP instance of model " + modelName + (closed ? " is closed" : " is not started"));
    }
    return i;
  }

  /**
   * The running instance when its ranks run in this JVM ({@code eep_ranks=in_process}): for
   * statistics and fault injection as well.
   *
   * @throws IllegalStateException if the instance is not running or its ranks run elsewhere
   */
  public EpCluster cluster() {
    if (instance() instanceof EpCluster c) {
      return c;
    }
    throw new IllegalStateException(
        "The ranks of model "
            + modelName
            + " do not run in this JVM (eep_ranks="
            + config.getString(EepKeys.RANKS)
            + ")");
  }

  /** The model's architecture, read at load. */
  public synchronized MoeConfig moeConfig() {
    if (moe == null) {
      throw new IllegalStateException("model " + modelName + " is not loaded");
    }
    return moe;
  }

  /** The effective configuration of the running instance. */
  public synchronized EepConfig eepConfig() {
    if (config == null) {
      throw new IllegalStateException("model " + modelName + " is not started");
    }
    return config;
  }

  /** Starts the instance (without arguments) if nobody has, then creates the predictor. */
  @Override
  public <I, O> Predictor<I, O> newPredictor(Translator<I, O> translator, Device device) {
    if (instance == null) {
      try {
        start(Map.of());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException(
            "Interrupted while starting the EP instance of model " + modelName, e);
      }
    }
    return super.newPredictor(translator, device);
  }

  /** Not supported: EEP serves inference only. */
  @Override
  public Trainer newTrainer(TrainingConfig trainingConfig) {
    throw new UnsupportedOperationException("The EEP engine serves inference only");
  }

  /** Not supported: the model directory is the saved form; copy it. */
  @Override
  public void save(Path modelPath, String newModelName) {
    throw new UnsupportedOperationException(
        "An EEP model is its directory (config.json + model.safetensors); copy it");
  }

  /**
   * Stops every rank (outstanding requests fail), then releases the model's tensors. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    EpInstance i = instance;
    instance = null;
    metrics.ifPresent(PrometheusEndpoint::close);
    try {
      if (i != null) {
        i.close();
      }
    } finally {
      if (instanceName != null) {
        RUNNING.remove(instanceName);
      }
      super.close();
    }
  }

  /** Validated view of {@code eep} and the environment, refusing what this engine cannot serve. */
  private EepConfig configure(Map<String, ?> eep) {
    EepConfig c = EepConfig.of(eep, env);
    int rank = c.getInt(EepKeys.RANK);
    if (rank != -1) {
      throw new ConfigException(
          EepKeys.RANK.name()
              + "="
              + rank
              + " is for a rank process; the EEP engine is a front end and takes "
              + EepKeys.RANK.name()
              + "=-1 (choose where ranks run with "
              + EepKeys.RANKS.name()
              + "=in_process, processes or external; see docs/djl-serving.md)");
    }
    return c;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("model " + modelName + " is closed");
    }
  }

  /** The exception a Guice failure wraps, which names the bad key or provider. */
  private static RuntimeException unwrap(RuntimeException e) {
    return e.getCause() instanceof RuntimeException cause ? cause : e;
  }
}
