/**
 * Membership: rank slots and their states, immutable {@link org.eep.api.membership.MembershipView}s
 * with strictly increasing epochs, {@link org.eep.api.membership.Evidence} of failure, and the
 * {@link org.eep.api.membership.MembershipService} SPI.
 */
package org.eep.api.membership;
