package org.eep.djl.instance;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;

/** {@code eep_ranks=in_process}: every rank a thread of this JVM ({@link EpCluster}). */
public final class InProcessRanksProvider implements RankHostProvider {
  public static final String NAME = "in_process";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of();
  }

  @Override
  public EpInstance start(EepConfig config, Path modelDir, NDManager manager)
      throws InterruptedException {
    requireNonNull(config, "config is null");
    return EpCluster.start(new EepModule(config, modelDir, manager));
  }
}
