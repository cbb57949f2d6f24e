/**
 * Wiring an EP instance: {@link org.eep.djl.instance.EepModule} is the Guice composition root
 * (providers by name, planner, host backup, hooks), {@link org.eep.djl.instance.RankFactory} makes
 * its ranks, and {@link org.eep.djl.instance.EpCluster} runs every rank in this JVM behind the
 * front end.
 */
package org.eep.djl.instance;
