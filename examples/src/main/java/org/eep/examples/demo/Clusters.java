package org.eep.examples.demo;

import ai.djl.ndarray.NDManager;
import com.google.inject.util.Modules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.djl.instance.EepModule;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.rank.StepHooks;

/**
 * Starting an in-process EP instance the way the plugin wires it (Guice), with this driver's fault
 * hooks.
 */
public final class Clusters {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private Clusters() {}

  /** A name no other instance of this JVM uses (the in-process fabrics are namespaced by it). */
  public static String freshInstance(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
  }

  /**
   * The instance configuration of a scenario: its providers, ranks, seed, auto redundancy, and its
   * extra options.
   */
  public static EepConfig config(Scenario s, String instance) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eep_instance", instance);
    m.put("eep_max_ranks", s.ranks());
    m.put("eep_transport", s.transport());
    m.put("eep_membership", s.membership());
    m.put("eep_redundant_experts", "auto");
    m.put("eep_seed", s.seed());
    m.putAll(s.options());
    return EepConfig.fromEnvironment(m);
  }

  /** Wires and starts an instance; returns once every rank serves. */
  public static EpCluster start(EepConfig config, Path modelDir, NDManager manager, StepHooks hooks)
      throws InterruptedException {
    return EpCluster.start(
        Modules.override(new EepModule(config, modelDir, manager))
            .with(binder -> binder.bind(StepHooks.class).toInstance(hooks)));
  }

  /**
   * Blocks until {@code observer} learns a view satisfying {@code condition}; null if none within
   * {@code timeout}.
   */
  static MembershipView awaitView(
      MembershipService observer, Predicate<MembershipView> condition, Duration timeout)
      throws InterruptedException {
    try {
      return observer.awaitView(condition, timeout);
    } catch (TimeoutException e) {
      return null;
    }
  }
}
