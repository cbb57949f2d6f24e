package org.eep.examples.bench;

import java.lang.management.ManagementFactory;

/** The machine a suite runs on, as the suites' JSON and reports describe it. */
public final class Machine {
  private Machine() {}

  /** The JVM's name and version. */
  public static String java() {
    return System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
  }

  public static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** The 1-minute load average, or a negative number where there is none. */
  public static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** "JVM, N cores shared with other work (1-minute load average LOAD)", for a report. */
  public static String shared(String loadAverage) {
    return java()
        + ", "
        + cores()
        + " cores shared with other work (1-minute load average "
        + loadAverage
        + ")";
  }
}
