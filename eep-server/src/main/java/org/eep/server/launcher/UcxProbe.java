package org.eep.server.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether Debian's libucx0 (libucp) is installed, to choose the demo's default transport. */
public final class UcxProbe {
  private static final List<String> DIRS =
      List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib");

  private UcxProbe() {}

  public static boolean available() {
    for (String d : DIRS) {
      if (Files.exists(Path.of(d, "libucp.so.0"))) {
        return true;
      }
    }
    return false;
  }
}
