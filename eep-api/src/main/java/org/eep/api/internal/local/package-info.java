/**
 * The in-process reference providers: transport {@code local}, membership {@code local} and {@code
 * static}.
 */
package org.eep.api.internal.local;
