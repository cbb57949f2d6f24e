/**
 * Typed, validated, read-only configuration built from DJL-style options ({@code eep_*} keys,
 * {@code OPTION_EEP_*} environment variables).
 */
package org.eep.api.config;
