/**
 * EEP's service-provider interface. Sub-packages hold one concern each: {@code config} (typed,
 * validated options), {@code spi} (providers found by name), {@code membership} (rank slots, views,
 * evidence), {@code comm} (the data-plane transport and its fencing), {@code placement} (experts
 * over physical slots). Nothing here depends on an implementation; the in-process reference
 * providers live in {@code internal.local}.
 */
package org.eep.api;
