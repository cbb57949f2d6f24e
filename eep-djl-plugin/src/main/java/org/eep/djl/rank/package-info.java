/**
 * One rank of an EP instance: {@link org.eep.djl.rank.RankRuntime} (the shell: a thread, one {@link
 * org.eep.djl.rank.RankState}, the public face), what it needs to start ({@link
 * org.eep.djl.rank.RankSetup}), its counters ({@link org.eep.djl.rank.RankStats}) and the
 * fault-injection points tests and the demo use ({@link org.eep.djl.rank.StepHooks}). The parts
 * behind the shell are in {@code internal}.
 */
package org.eep.djl.rank;
