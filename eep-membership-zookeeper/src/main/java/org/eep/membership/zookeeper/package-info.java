/**
 * Membership provider {@code zookeeper}: the highly available control plane of EEP on Apache
 * Curator. Views are immutable znodes committed one epoch at a time with compare-and-set, an
 * elected leader turns evidence and requests into the next view, and ranks hold ephemeral znodes
 * whose loss (session expiry) is itself evidence. {@link
 * org.eep.membership.zookeeper.EmbeddedZooKeeper} runs a real ZooKeeper server in-process for demos
 * and tests. See {@code docs/zookeeper.md}.
 */
package org.eep.membership.zookeeper;
