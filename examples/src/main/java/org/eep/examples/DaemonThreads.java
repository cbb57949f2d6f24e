package org.eep.examples;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the commands' helper threads: daemons, so that a helper never keeps the JVM
 * alive after a command returns.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads all called {@code name}. */
  public static ThreadFactory named(String name) {
    requireNonNull(name, "name is null");
    return r -> daemon(r, name);
  }

  /** Daemon threads called {@code prefix} followed by 0, 1, 2, ... in creation order. */
  public static ThreadFactory numbered(String prefix) {
    requireNonNull(prefix, "prefix is null");
    AtomicInteger next = new AtomicInteger();
    return r -> daemon(r, prefix + next.getAndIncrement());
  }

  /** Starts {@code work} on a daemon thread called {@code name}. */
  public static Thread start(String name, Runnable work) {
    Thread t = named(name).newThread(requireNonNull(work, "work is null"));
    t.start();
    return t;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
