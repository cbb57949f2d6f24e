package org.eep.comm.ucx.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eep.api.comm.TransportException;
import org.openucx.jucx.ucp.UcpContext;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucp.UcpWorkerParams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress thread of one transport: the only thread that ever calls its UCP context, worker or
 * endpoints (the worker is created in UCX's single-thread mode). Other threads hand it {@link
 * Command}s through a lock-free queue and wake it with {@code ucp_worker_signal}, the one worker
 * call UCX allows from any thread.
 *
 * <p>The loop runs queued commands, progresses the worker (UCX fires every callback from inside
 * progress, arriving messages included) and lets the {@link Hooks} do deferred work. An idle pass
 * yields the core (the receiver it just woke may need it); after {@code spinNanos} of idle passes
 * it sleeps in {@code ucp_worker_wait}, which returns on network activity, on UCX's own events (it
 * signals itself, e.g. for a failed endpoint), or on a signal from {@link #execute}.
 */
final class WorkerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);

  /** How long closing waits for sends in flight to reach peers before it cancels them. */
  private static final long FLUSH_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

  /**
   * How long forced closes may take; past it the worker is left undestroyed rather than risk UCX's
   * assertions.
   */
  private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final int COMMANDS_PER_PASS = 256;
  private static final long WAIT_FALLBACK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

  /** Work for the progress thread; rejected instead of run once the loop has ended. */
  interface Command {
    void run();

    default void reject() {}
  }

  /** What the loop drives besides its queue. Every method runs on the progress thread. */
  interface Hooks {
    /** Sets up what needs the worker (message handlers) once it exists. */
    void open(UcpWorker worker);

    /**
     * Does work deferred out of UCX callbacks (closing failed endpoints); true if there was any.
     */
    boolean poll();

    /** Starts flushing what was sent, so that closing loses nothing the peers are still taking. */
    void flushAll();

    /** True once everything {@link #flushAll} started has finished. */
    boolean flushed();

    /**
     * Force-closes every endpoint; completes without the peers and cancels whatever is still
     * queued.
     */
    void closeAll();

    /** True once every close has completed: no UCX request is outstanding any more. */
    boolean allClosed();
  }

  private final Hooks hooks;
  private final long spinNanos;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final Object signalLock = new Object();
  private volatile boolean parked;
  private volatile boolean stopping;
  private volatile boolean terminated;

  /**
   * The worker while it may be signalled; cleared under {@link #signalLock} before it is destroyed.
   */
  private UcpWorker signalTarget;

  private UcpContext context;
  private UcpWorker worker;
  private boolean waitFailed;

  private WorkerLoop(String name, long spinNanos, Hooks hooks) {
    this.hooks = requireNonNull(hooks, "hooks is null");
    this.spinNanos = spinNanos;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  /** Starts the progress thread and waits until it has created the worker and opened the hooks. */
  static WorkerLoop start(String name, long spinNanos, Hooks hooks) {
    WorkerLoop loop = new WorkerLoop(name, spinNanos, hooks);
    loop.thread.start();
    loop.await(loop.opened);
    return loop;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Queues {@code command} for the progress thread; rejects it at once if the loop has ended. */
  void execute(Command command) {
    if (terminated) {
      command.reject();
      return;
    }
    commands.add(command);
    if (terminated && commands.remove(command)) {
      command.reject();
      return;
    }
    wake();
  }

  /** Runs {@code work} on the progress thread (inline if already on it) and returns its result. */
  <T> T call(Callable<T> work) {
    if (inLoop()) {
      try {
        return work.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new TransportException(-1, e.getMessage(), e);
      }
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(
        new Command() {
          @Override
          public void run() {
            try {
              result.complete(work.call());
            } catch (Throwable t) {
              result.completeExceptionally(t);
            }
          }

          @Override
          public void reject() {
            result.completeExceptionally(new TransportException(-1, "The UCX transport is closed"));
          }
        });
    return await(result);
  }

  /**
   * Stops the loop, closes every endpoint and destroys the worker; waits unless called on the
   * progress thread.
   */
  void stop() {
    stopping = true;
    wake();
    if (inLoop()) {
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void wake() {
    if (!parked) {
      return;
    }
    synchronized (signalLock) {
      if (signalTarget != null) {
        signalTarget.signal();
      }
    }
  }

  private void run() {
    try {
      context = UcxNative.newContext();
      worker = context.newWorker(new UcpWorkerParams());
      synchronized (signalLock) {
        signalTarget = worker;
      }
      hooks.open(worker);
    } catch (Throwable t) {
      destroy();
      terminate();
      opened.completeExceptionally(t);
      return;
    }
    opened.complete(null);
    try {
      loop();
    } catch (Throwable t) {
      LOG.error("The UCX progress thread {} failed; the transport stops", thread.getName(), t);
    } finally {
      shutDown();
    }
  }

  private void loop() {
    long idleSince = -1;
    while (!stopping) {
      boolean busy = runCommands();
      busy |= progress();
      busy |= hooks.poll();
      if (busy) {
        idleSince = -1;
        continue;
      }
      long now = System.nanoTime();
      if (idleSince < 0) {
        idleSince = now;
      } else if (now - idleSince >= spinNanos) {
        park();
        idleSince = -1;
      } else {
        // A rank's threads often outnumber free cores: let the thread this pass just woke run
        // first.
        Thread.yield();
      }
    }
  }

  private boolean runCommands() {
    int n = 0;
    for (Command c; n < COMMANDS_PER_PASS && (c = commands.poll()) != null; n++) {
      try {
        c.run();
      } catch (RuntimeException e) {
        LOG.error("A UCX command failed on {}", thread.getName(), e);
      }
    }
    return n > 0;
  }

  private boolean progress() {
    try {
      return worker.progress() > 0;
    } catch (Exception e) {
      LOG.error("ucp_worker_progress failed on {}", thread.getName(), e);
      return false;
    }
  }

  /** Sleeps in ucp_worker_wait; a command queued after {@code parked} is set signals the worker. */
  private void park() {
    parked = true;
    try {
      if (commands.isEmpty() && !stopping) {
        worker.waitForEvents();
      }
    } catch (RuntimeException e) {
      if (!waitFailed) {
        LOG.warn("ucp_worker_wait failed on {}; polling instead", thread.getName(), e);
        waitFailed = true;
      }
      LockSupport.parkNanos(WAIT_FALLBACK_NANOS);
    } finally {
      parked = false;
    }
  }

  private void shutDown() {
    boolean clean = false;
    try {
      runCommands();
      hooks.flushAll();
      progressUntil(hooks::flushed, FLUSH_GRACE_NANOS);
      hooks.closeAll();
      clean = progressUntil(hooks::allClosed, CLOSE_GRACE_NANOS);
    } catch (RuntimeException e) {
      LOG.warn("Closing UCX endpoints failed on {}", thread.getName(), e);
    } finally {
      terminate();
      if (clean) {
        destroy();
      } else {
        // ucp_worker_destroy aborts the process (a UCX assertion) while a close request is
        // outstanding.
        LOG.warn(
            "UCX endpoints of {} did not close in time; leaving its UCX worker and context undestroyed",
            thread.getName());
        synchronized (signalLock) {
          signalTarget = null;
        }
      }
    }
  }

  private boolean progressUntil(BooleanSupplier done, long graceNanos) {
    long deadline = System.nanoTime() + graceNanos;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      progress();
      hooks.poll();
    }
    return true;
  }

  /** Marks the loop ended and rejects whatever is still queued (see {@link #execute}). */
  private void terminate() {
    terminated = true;
    for (Command c; (c = commands.poll()) != null; ) {
      c.reject();
    }
  }

  private void destroy() {
    synchronized (signalLock) {
      signalTarget = null;
    }
    if (worker != null) {
      try {
        worker.close();
      } catch (RuntimeException e) {
        LOG.warn("Destroying the UCX worker failed", e);
      }
    }
    if (context != null) {
      try {
        context.close();
      } catch (RuntimeException e) {
        LOG.warn("Destroying the UCX context failed", e);
      }
    }
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new TransportException(-1, String.valueOf(cause), cause);
    }
  }
}
