package org.eep.api.internal.local;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ViewFeed;
import org.eep.api.membership.ViewListener;

/**
 * One handle on a {@link LocalCoordinator}. Views reach listeners on this handle's own single
 * notification thread, in commit order ({@link ViewFeed}). A joined slot heartbeats from a
 * scheduler thread; {@link #pauseHeartbeats} stops that without closing, to model a frozen
 * (SIGSTOP'd) process.
 */
public final class LocalMembershipService implements MembershipService {
  private final LocalCoordinator coordinator;
  private final Duration heartbeat;
  private final ExecutorService notifier;
  private final ScheduledExecutorService heartbeats;
  private final ViewFeed feed;
  private ScheduledFuture<?> heartbeatTask;
  private volatile boolean heartbeatsPaused;
  private volatile boolean closed;

  LocalMembershipService(LocalCoordinator coordinator, Duration heartbeat) {
    this.coordinator = coordinator;
    this.heartbeat = heartbeat;
    this.notifier = Executors.newSingleThreadExecutor(daemon("eep-local-views"));
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("eep-local-heartbeat"));
    this.feed = new ViewFeed(MembershipView.initial(coordinator.view().maxRanks()), notifier);
    coordinator.attach(this);
  }

  /** Called by the coordinator under its monitor, in commit order. */
  void learn(MembershipView view) {
    feed.publish(view);
  }

  @Override
  public MembershipView currentView() {
    return feed.current();
  }

  @Override
  public AutoCloseable subscribe(ViewListener listener) {
    return feed.subscribe(listener);
  }

  @Override
  public MembershipView awaitEpoch(long minEpoch, Duration timeout) throws InterruptedException {
    return feed.awaitEpoch(minEpoch, timeout);
  }

  @Override
  public void reportEvidence(Evidence evidence) {
    coordinator.evidence(requireNonNull(evidence, "evidence is null"));
  }

  @Override
  public long join(int rank, String address) {
    long incarnation = coordinator.join(rank, requireNonNull(address, "address is null"));
    synchronized (this) {
      if (heartbeatTask != null) {
        heartbeatTask.cancel(false);
      }
      heartbeatTask =
          heartbeats.scheduleAtFixedRate(
              () -> {
                if (!heartbeatsPaused) {
                  coordinator.heartbeat(rank, incarnation);
                }
              },
              0,
              heartbeat.toNanos(),
              TimeUnit.NANOSECONDS);
    }
    return incarnation;
  }

  @Override
  public MembershipView activate(int rank, long incarnation) {
    return coordinator.activate(rank, incarnation);
  }

  @Override
  public void leave(int rank, long incarnation) {
    coordinator.leave(rank, incarnation);
    synchronized (this) {
      if (heartbeatTask != null) {
        heartbeatTask.cancel(false);
      }
    }
  }

  /** Stops (true) or resumes (false) heartbeats, as a frozen process would. */
  public void pauseHeartbeats(boolean paused) {
    heartbeatsPaused = paused;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    coordinator.detach(this);
    feed.close();
    heartbeats.shutdownNow();
    notifier.shutdownNow();
    coordinator.release();
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
