/**
 * {@code ./eep bench membership}: how long a membership provider takes from evidence reported to
 * every rank having applied the resulting view, {@code local} against {@code zookeeper} in one run.
 */
package org.eep.examples.bench.membership;
