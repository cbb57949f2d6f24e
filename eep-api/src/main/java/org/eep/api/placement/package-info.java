/**
 * Experts over physical slots: {@link org.eep.api.placement.ExpertPlacement} and the
 * placement-policy SPI.
 */
package org.eep.api.placement;
