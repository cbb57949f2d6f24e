/**
 * Provider discovery by name ({@link org.eep.api.spi.Providers}) and the shape every provider
 * shares.
 */
package org.eep.api.spi;
