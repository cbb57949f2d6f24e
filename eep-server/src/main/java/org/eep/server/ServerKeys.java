package org.eep.server;

import java.util.List;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.ConfigKeySource;

/**
 * The keys of rank processes and of front ends whose ranks run as processes ({@code
 * eep_ranks=processes} or {@code external}); known to {@link org.eep.api.config.EepConfig} whenever
 * this module is on the class path.
 */
public final class ServerKeys implements ConfigKeySource {
  public static final ConfigKey RESTART_RANKS =
      ConfigKey.flag(
          "eep_restart_ranks",
          false,
          "eep_ranks=processes: start a rank process that died again, as a new incarnation of its"
              + " slot.");
  public static final ConfigKey RANK_ENDPOINT =
      ConfigKey.text(
          "eep_rank_endpoint",
          "",
          "eep_ranks=external: the URL the front end reaches rank {rank}'s process at, a template"
              + " such as http://eep-rank-{rank}.eep-ranks:8081 (one pod per rank of a StatefulSet).");
  public static final ConfigKey SPARE_RANKS =
      ConfigKey.integer(
          "eep_spare_ranks",
          0,
          0,
          64,
          "Hot spares a launcher keeps (eep_ranks=processes, eep serve, the demo): rank processes"
              + " with their JVM, DJL, PyTorch and the checkpoint's pages warm; a failed rank's slot"
              + " is taken by one at once, as a new incarnation, and another spare is started.");
  public static final ConfigKey RANK_CLASSPATH =
      ConfigKey.text(
          "eep_rank_classpath",
          "",
          "Class path of the rank processes a launcher starts (java -cp; a dir/* wildcard is"
              + " allowed); empty = this JVM's own class path. Under DJL Serving, whose plugins are not"
              + " on its class path, point it at eep-djl-serving's rank-lib/*.");
  public static final ConfigKey RANK_HTTP_PORT =
      ConfigKey.integer(
          "eep_rank_http_port",
          0,
          0,
          65535,
          "Port a rank process answers its front end on: 0 = any free port on loopback (rank"
              + " processes a launcher starts); a fixed port binds eep_host, for a front end"
              + " elsewhere (eep_ranks=external).");

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(RESTART_RANKS, SPARE_RANKS, RANK_CLASSPATH, RANK_ENDPOINT, RANK_HTTP_PORT);
  }
}
