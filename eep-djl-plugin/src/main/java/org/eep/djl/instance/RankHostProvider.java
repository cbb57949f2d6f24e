package org.eep.djl.instance;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.NamedProvider;

/**
 * Where the ranks of an instance run, selected by {@code eep_ranks}: {@code in_process} (every rank
 * a thread of this JVM, in this module), and, with {@code eep-server} on the class path, {@code
 * processes} (rank processes this JVM starts and supervises on this host) and {@code external}
 * (ranks started elsewhere, for example one pod per accelerator, found through the membership; this
 * JVM is the front end only). Found by name with {@link org.eep.api.spi.Providers}; called by the
 * DJL engine when a model loads, on that thread. Implementations have a public no-argument
 * constructor that does no work.
 */
public interface RankHostProvider extends NamedProvider {

  /**
   * Starts (or finds) the ranks of {@code config}'s instance serving the model in {@code modelDir}
   * and returns once every rank serves.
   *
   * @param manager the model's manager: the device and memory in-process ranks use
   * @throws org.eep.api.config.ConfigException if the configuration does not fit this way of
   *     running ranks (naming the key)
   */
  EpInstance start(EepConfig config, Path modelDir, NDManager manager) throws Exception;
}
