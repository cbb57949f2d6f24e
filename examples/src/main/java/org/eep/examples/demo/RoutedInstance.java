package org.eep.examples.demo;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.djl.frontend.Router;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * What both kinds of {@link DemoInstance} share: requests, views and the outstanding count go
 * through the instance's front end in this JVM (its {@link Router}), whether the ranks are threads
 * or processes.
 */
abstract class RoutedInstance implements DemoInstance {
  protected final Scenario scenario;
  private final Router router;
  private final int size;
  private final String ranksAre;

  /**
   * @param ranksAre how the ranks run, after their count: "ranks as threads of this JVM"
   */
  RoutedInstance(Scenario scenario, Router router, int size, String ranksAre) {
    this.scenario = requireNonNull(scenario, "scenario is null");
    this.router = requireNonNull(router, "router is null");
    this.size = size;
    this.ranksAre = requireNonNull(ranksAre, "ranksAre is null");
  }

  @Override
  public String describe() {
    return scenario.ranks()
        + " "
        + ranksAre
        + ", transport "
        + scenario.transport()
        + ", membership "
        + scenario.membership();
  }

  @Override
  public final int size() {
    return size;
  }

  @Override
  public final CompletableFuture<GenerationResult> submit(
      GenerationRequest request, TokenListener listener) {
    return router.submit(request, listener);
  }

  @Override
  public final MembershipService observer() {
    return router.observer();
  }

  @Override
  public final MembershipView view() {
    return router.observer().currentView();
  }

  @Override
  public final int outstanding() {
    return router.outstanding();
  }
}
