/**
 * Requests and their results: {@link org.eep.djl.request.GenerationRequest}, the per-request state
 * the front end and the ranks share ({@link org.eep.djl.request.RequestState}: tokens emitted once
 * per index, the owner incarnation), and the {@link org.eep.djl.request.TokenListener} that streams
 * tokens to a caller.
 */
package org.eep.djl.request;
