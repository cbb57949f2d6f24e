package org.eep.server.instance;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.eep.api.config.EepConfig;
import org.eep.djl.instance.EpInstance;
import org.eep.djl.instance.RankHostProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code eep_ranks=processes}: rank processes of this host, started and supervised by this JVM
 * (restarted as new incarnations with {@code eep_restart_ranks=true}); their output goes to this
 * JVM's log.
 */
public final class ProcessRanksProvider implements RankHostProvider {
  public static final String NAME = "processes";
  private static final Logger LOG = LoggerFactory.getLogger(ProcessRanksProvider.class);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public EpInstance start(EepConfig config, Path modelDir, NDManager manager) throws Exception {
    return ProcessInstance.start(config, modelDir, LOG::info);
  }
}
