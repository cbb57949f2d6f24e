package org.eep.examples.demo;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eep.djl.model.ReferenceCheck;
import org.eep.djl.model.ReferenceModel;
import org.eep.examples.DaemonThreads;

/**
 * Checks completed requests against the reference model (the single-process, fixed-membership
 * oracle): the EP instance must have produced exactly the reference's greedy tokens, through
 * failures and rejoins. Runs on {@code threads} threads, each with its own reference model.
 */
public final class Verifier {
  /**
   * The outcome: requests checked, requests that differ from the reference and the token positions
   * from their first difference on, requests whose first difference is at a near tie (the
   * reference's top two logits within {@link ReferenceCheck#TIE_TOLERANCE}: counted, not a
   * mismatch), streaming errors, and a few examples of differences.
   */
  public record Result(
      int checked,
      int mismatchedRequests,
      int mismatchedTokens,
      int nearTies,
      int streamErrors,
      List<String> examples,
      double seconds) {}

  private final Path modelDir;
  private final int threads;
  private final AtomicInteger done = new AtomicInteger();
  private volatile int total;

  public Verifier(Path modelDir, int threads) {
    this.modelDir = modelDir;
    this.threads = threads;
  }

  /** Requests checked so far. */
  public int done() {
    return done.get();
  }

  /** Requests to check (0 before {@link #verify} starts). */
  public int total() {
    return total;
  }

  /** Compares every completed request of {@code requests}; blocks until done. */
  public Result verify(List<RequestRecord> requests) throws InterruptedException {
    long t0 = System.nanoTime();
    List<RequestRecord> completed =
        requests.stream().filter(r -> r.outcome() == RequestRecord.Outcome.COMPLETED).toList();
    total = completed.size();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger badRequests = new AtomicInteger();
    AtomicInteger badTokens = new AtomicInteger();
    AtomicInteger nearTies = new AtomicInteger();
    List<String> examples = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      Thread t =
          DaemonThreads.start(
              "eep-verify-" + w,
              () -> {
                try (NDManager m = NDManager.newBaseManager();
                    ReferenceModel ref = ReferenceModel.load(modelDir, m)) {
                  int i;
                  while ((i = next.getAndIncrement()) < completed.size()) {
                    RequestRecord r = completed.get(i);
                    ReferenceModel.Result want =
                        ref.generate(r.request().prompt(), r.request().maxNewTokens());
                    ReferenceCheck check = ReferenceCheck.of(want, r.result().tokens());
                    if (check.verdict() == ReferenceCheck.Verdict.NEAR_TIE) {
                      nearTies.incrementAndGet();
                      if (examples.size() < 5) {
                        examples.add(
                            r.request().id()
                                + ": near tie at token "
                                + check.firstDifference()
                                + " (reference logit margin "
                                + check.margin()
                                + ")");
                      }
                    } else if (check.verdict() == ReferenceCheck.Verdict.MISMATCH) {
                      int diff = want.tokens().length - Math.max(0, check.firstDifference());
                      badRequests.incrementAndGet();
                      badTokens.addAndGet(diff);
                      if (examples.size() < 5) {
                        examples.add(
                            r.request().id()
                                + ": tokens differ from the reference from index "
                                + check.firstDifference()
                                + " of "
                                + want.tokens().length);
                      }
                    }
                    done.incrementAndGet();
                  }
                } catch (RuntimeException | Error e) {
                  errors.add(e);
                }
              });
      workers.add(t);
    }
    for (Thread t : workers) {
      t.join();
    }
    if (!errors.isEmpty()) {
      IllegalStateException e =
          new IllegalStateException("the reference check failed: " + errors.get(0), errors.get(0));
      errors.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
    int streamErrors = requests.stream().mapToInt(RequestRecord::streamErrors).sum();
    return new Result(
        completed.size(),
        badRequests.get(),
        badTokens.get(),
        nearTies.get(),
        streamErrors,
        List.copyOf(examples),
        (System.nanoTime() - t0) / 1e9);
  }
}
