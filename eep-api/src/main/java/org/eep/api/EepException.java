package org.eep.api;

/**
 * Base of every exception EEP throws on purpose. Unchecked: callers that can act on a specific
 * failure catch the subtype (a receive deadline, an epoch change, an unknown provider name).
 */
public class EepException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EepException(String message) {
    super(message);
  }

  public EepException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The one line a person should read about {@code t}: the message of the outermost {@code
   * EepException} in its cause chain (what EEP found wrong, naming the key, file or provider, even
   * when a framework wrapped it), else the innermost cause as {@code Type: message}.
   */
  public static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof EepException && c.getMessage() != null) {
        return oneLine(c.getMessage());
      }
      root = c;
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + oneLine(m));
  }

  private static String oneLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
