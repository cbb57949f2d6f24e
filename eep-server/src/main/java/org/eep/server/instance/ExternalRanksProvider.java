package org.eep.server.instance;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.eep.api.config.EepConfig;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.instance.RankHostProvider;

/**
 * {@code eep_ranks=external}: ranks started elsewhere (one pod per accelerator, say) that join the
 * instance through ZooKeeper; this JVM follows the views, reaches each rank at {@code
 * eep_rank_endpoint} and is the front end only.
 */
public final class ExternalRanksProvider implements RankHostProvider {
  public static final String NAME = "external";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public EpInstance start(EepConfig config, Path modelDir, NDManager manager) throws Exception {
    return ProcessInstance.attach(config, modelDir);
  }
}
