/**
 * The front end of an EP instance: {@link org.eep.djl.frontend.Router} validates requests, admits
 * them within a bound, hands each to a serving {@link org.eep.djl.frontend.RankEndpoint} and
 * re-queues the requests of a rank that leaves the view on survivors.
 */
package org.eep.djl.frontend;
