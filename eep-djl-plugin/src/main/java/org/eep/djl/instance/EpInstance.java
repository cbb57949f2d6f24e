package org.eep.djl.instance;

import java.util.concurrent.CompletableFuture;
import org.eep.api.membership.MembershipView;
import org.eep.djl.frontend.Router;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;

/**
 * An EP instance as its front end serves it, wherever the ranks run: threads of this JVM ({@link
 * EpCluster}), rank processes this JVM started, or ranks started elsewhere that it found through
 * the membership. Made by a {@link RankHostProvider}; requests go through its {@link Router}.
 * Thread-safe.
 */
public interface EpInstance extends AutoCloseable {

  /**
   * Submits a request; its tokens reach {@code listener} in order, each once.
   *
   * @throws org.eep.djl.request.RequestRejectedException if the request is invalid, the queue is
   *     full, or coverage is lost under {@code refuse}
   */
  CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener);

  /** The newest view the front end learned. */
  MembershipView view();

  /** The front end: outstanding requests, their owners, re-queues. */
  Router router();

  /** Rank slots. */
  int size();

  /** Stops what this instance started (its ranks, or its front end only for ranks elsewhere). */
  @Override
  void close();
}
