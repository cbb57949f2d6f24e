package org.eep.examples;

import java.nio.file.Path;

/**
 * Where a command's log lines go. The runtime logs every view, repair and re-queue at INFO; a
 * command with a live terminal view sends them to a file instead. Must be called before the first
 * logger is created (SLF4J's simple binding reads its settings once).
 */
public final class Logs {
  private Logs() {}

  /** Sends every log line of this JVM to {@code file} (unless the user configured logging). */
  public static Path toFile(Path file) {
    if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
      System.setProperty("org.slf4j.simpleLogger.logFile", file.toAbsolutePath().toString());
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }
    return Path.of(System.getProperty("org.slf4j.simpleLogger.logFile"));
  }

  /** Logs only warnings and errors of {@code loggers} (and their children), unless configured. */
  public static void quiet(String... loggers) {
    for (String logger : loggers) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
  }
}
