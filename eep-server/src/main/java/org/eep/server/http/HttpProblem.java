package org.eep.server.http;

import org.eep.api.EepException;

/**
 * A request the server answers with an error status and {@code {"error": message}}: 400 bad input,
 * 404 no such thing, 405 wrong method, 409 an operation not possible now, 503 cannot serve now.
 */
final class HttpProblem extends EepException {
  private static final long serialVersionUID = 1L;
  private final int status;

  HttpProblem(int status, String message) {
    super(message);
    this.status = status;
  }

  int status() {
    return status;
  }

  static HttpProblem badRequest(String message) {
    return new HttpProblem(400, message);
  }

  static HttpProblem notFound(String message) {
    return new HttpProblem(404, message);
  }

  static HttpProblem conflict(String message) {
    return new HttpProblem(409, message);
  }
}
