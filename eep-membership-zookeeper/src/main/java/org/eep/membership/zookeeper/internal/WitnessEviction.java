package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules;
import org.eep.api.membership.MembershipRules.Decision;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.ProbeWitnesses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evicts a member on failed probes when the coordinator does not act on them: the frozen process
 * may be the coordinator itself, whose leadership lasts until its session expires. Before a rank
 * queues a repeated {@link Evidence.ProbeFailed}, it looks at the request queue: if its own earlier
 * report against the same incarnation is still there unanswered, the coordinator has not acted for
 * one report interval, so this witness applies {@link MembershipRules} itself, with the reporters
 * of the queued reports as the probe witnesses ({@link ProbeWitnesses}, by the requests' creation
 * times), and commits the result. Commits are compare-and-set on the next epoch's znode ({@link
 * ViewStore#commit}), so an epoch is committed once even if the coordinator or another witness
 * decides at the same time; the loser decides again from the newest view. Two things differ from a
 * coordinator's commit: the eviction overtakes requests queued before it (they are decided later,
 * against the view that has it), and no {@link CommitHook} sees it.
 *
 * <p>Called on the reporting thread; stateless between calls.
 */
final class WitnessEviction {
  private static final Logger LOG = LoggerFactory.getLogger(WitnessEviction.class);

  private final CuratorFramework client;
  private final ZkLayout layout;
  private final ViewStore store;
  private final Duration window;

  /** Reports count within {@code window} of the newest (the coordinator's window). */
  WitnessEviction(CuratorFramework client, ZkLayout layout, ViewStore store, Duration window) {
    this.client = requireNonNull(client, "client is null");
    this.layout = requireNonNull(layout, "layout is null");
    this.store = requireNonNull(store, "store is null");
    this.window = requireNonNull(window, "window is null");
  }

  private record Queued(Evidence.ProbeFailed report, long createdMillis) {}

  /**
   * Commits the eviction {@code report} asks for if the coordinator left this reporter's earlier
   * report unanswered and the rules agree; true if this call committed it.
   */
  boolean beforeRepeating(Evidence.ProbeFailed report) throws Exception {
    ProbeWitnesses tally = new ProbeWitnesses(window);
    boolean mineWaiting = false;
    for (String name : client.getChildren().forPath(layout.requests())) {
      Queued q = queuedProbeFailure(layout.requests() + "/" + name);
      if (q != null
          && q.report().suspect() == report.suspect()
          && q.report().incarnation() == report.incarnation()) {
        tally.record(q.report(), q.createdMillis());
        mineWaiting |= q.report().reporter() == report.reporter();
      }
    }
    if (!mineWaiting
        || !tally.of(report.suspect(), report.incarnation()).contains(report.reporter())) {
      return false;
    }
    MembershipView latest = store.latest();
    Decision d =
        MembershipRules.elastic()
            .decide(
                latest,
                new MembershipRequest.Report(report),
                Coordinator.sessions(client, layout).withWitnesses(tally));
    if (d.next().isEmpty() || !store.commit(d.next(), null)) {
      return false;
    }
    LOG.info(
        "{}: rank {} committed {} itself, the coordinator not answering: {}",
        layout.namespace(),
        report.reporter(),
        d.next().get().summary(),
        d.next().get().cause());
    return true;
  }

  /** The unanswered probe failure queued at {@code path}, or null if it is anything else. */
  private Queued queuedProbeFailure(String path) throws Exception {
    Stat stat = new Stat();
    byte[] data;
    try {
      data = client.getData().storingStatIn(stat).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
    if (stat.getVersion() != 0) {
      return null;
    }
    try {
      return WireFormat.decodeRequest(data) instanceof MembershipRequest.Report r
              && r.evidence() instanceof Evidence.ProbeFailed p
          ? new Queued(p, stat.getCtime())
          : null;
    } catch (IllegalArgumentException malformed) {
      return null; // the coordinator drops and logs it
    }
  }
}
