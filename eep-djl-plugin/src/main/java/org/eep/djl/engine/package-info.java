/**
 * The DJL engine {@code EEP}: {@link org.eep.djl.engine.EepEngineProvider} registers it with DJL by
 * {@link java.util.ServiceLoader}; {@link org.eep.djl.engine.EepModel} loads a checkpoint directory
 * with the {@code eep_*} options and runs its EP instance; {@link
 * org.eep.djl.engine.EepTranslatorFactory} starts the instance from inside {@code
 * Criteria.loadModel()} and makes the translators that submit requests to it. See {@code
 * docs/djl-serving.md}.
 */
package org.eep.djl.engine;
