/**
 * Implementation of membership provider {@code zookeeper}: settings, znode layout and wire format,
 * the pure view transitions, the per-handle view follower, the elected coordinator and the request
 * channel between handles and the coordinator. Not an API: only {@code
 * org.eep.membership.zookeeper} is. See {@code docs/zookeeper.md}.
 */
package org.eep.membership.zookeeper.internal;
