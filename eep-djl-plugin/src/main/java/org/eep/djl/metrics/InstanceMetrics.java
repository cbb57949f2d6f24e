package org.eep.djl.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.eep.djl.frontend.Router;

/**
 * Meters of an EP instance as its front end ({@link Router}) sees it, wherever its ranks run: the
 * {@code eep.instance.*} meters of {@link RankMetrics} (epoch, active ranks, queue depth, uncovered
 * experts, re-queued requests). Read at scrape time; thread-safe.
 */
public final class InstanceMetrics implements MeterBinder {
  private final Router router;

  public InstanceMetrics(Router router) {
    this.router = requireNonNull(router, "router is null");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry is null");
    Gauge.builder("eep.instance.epoch", router, r -> r.observer().currentView().epoch())
        .description("Epoch of the newest membership view the front end learned")
        .register(registry);
    Gauge.builder(
            "eep.instance.active.ranks", router, r -> r.observer().currentView().activeCount())
        .description("ACTIVE rank slots in the newest view")
        .register(registry);
    Gauge.builder("eep.instance.queue.depth", router, Router::outstanding)
        .description("Requests submitted and not yet finished")
        .register(registry);
    Gauge.builder("eep.instance.uncovered.experts", router, r -> r.uncoveredExperts().length)
        .description("Logical experts with no replica on an active rank")
        .register(registry);
    FunctionCounter.builder("eep.instance.requests.requeued", router, Router::requeued)
        .description("Requests moved from a lost rank to a survivor")
        .register(registry);
  }
}
