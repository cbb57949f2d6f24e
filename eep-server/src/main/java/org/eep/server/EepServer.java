package org.eep.server;

import static java.util.Objects.requireNonNull;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.eep.api.EepException;
import org.eep.api.config.EepConfig;
import org.eep.djl.model.MoeConfig;
import org.eep.server.http.FrontEnd;
import org.eep.server.instance.ServedInstance;
import org.eep.server.text.TextCodec;

/**
 * {@code eep serve}: an EP instance of one's own checkpoint behind the HTTP front end ({@link
 * FrontEnd}). Starts in the order that fails fastest: the model directory is checked, the port is
 * bound, then the ranks start (rank processes by default); a rank that cannot start fails the
 * server with its cause. {@link #close} stops accepting, waits for the requests in flight (bounded
 * by {@code drain}), and stops every rank it started. Thread-safe.
 */
public final class EepServer implements AutoCloseable {
  /**
   * Where and what to serve.
   *
   * @param model the checkpoint directory ({@code config.json}, {@code model.safetensors}, and
   *     {@code tokenizer.json} for text prompts)
   * @param name the model name clients use ({@code /predictions/{name}}, {@code "model"})
   * @param host the address to bind
   * @param port the port (0: any free port)
   * @param drain how long a stop waits for requests in flight
   */
  public record Options(Path model, String name, String host, int port, Duration drain) {
    public Options {
      requireNonNull(model, "model is null");
      requireNonNull(name, "name is null");
      requireNonNull(host, "host is null");
      requireNonNull(drain, "drain is null");
      if (port < 0 || port > 65535) {
        throw new EepException(
            "--port " + port + " is not a port; use 0..65535 (0: any free port)");
      }
    }
  }

  private final FrontEnd frontEnd;
  private final ServedInstance instance;
  private final Optional<TextCodec> codec;
  private final Duration drain;

  private EepServer(
      FrontEnd frontEnd, ServedInstance instance, Optional<TextCodec> codec, Duration drain) {
    this.frontEnd = frontEnd;
    this.instance = instance;
    this.codec = codec;
    this.drain = drain;
  }

  /**
   * Starts serving; returns once every rank serves and the front end answers.
   *
   * @throws EepException for a user's mistake, in one line: a model directory that is not one, a
   *     port in use, a rank that cannot start (with its cause)
   */
  public static EepServer start(EepConfig config, Options options, Consumer<String> log)
      throws Exception {
    requireNonNull(config, "config is null");
    requireNonNull(options, "options is null");
    Path dir = options.model();
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new EepException(
          "--model "
              + dir
              + " is not a model directory: it has no config.json (make one with ./eep model"
              + " generate --out DIR)");
    }
    MoeConfig model = MoeConfig.read(dir);
    Optional<TextCodec> codec = TextCodec.load(dir, model.vocabSize());
    FrontEnd frontEnd;
    try {
      frontEnd = FrontEnd.bind(new InetSocketAddress(options.host(), options.port()));
    } catch (BindException e) {
      codec.ifPresent(TextCodec::close);
      throw new EepException(
          "cannot listen on "
              + options.host()
              + ":"
              + options.port()
              + " ("
              + e.getMessage()
              + "); choose another --port, or 0 for any free port");
    }
    ServedInstance instance;
    try {
      instance = ServedInstance.start(config, dir, log);
    } catch (Exception | Error e) {
      frontEnd.close();
      codec.ifPresent(TextCodec::close);
      throw e;
    }
    frontEnd.serve(instance, options.name(), codec);
    return new EepServer(frontEnd, instance, codec, options.drain());
  }

  /** The base URI clients use, for example {@code http://127.0.0.1:8080}. */
  public URI uri() {
    InetSocketAddress a = frontEnd.address();
    return URI.create("http://" + a.getHostString() + ":" + a.getPort());
  }

  public ServedInstance instance() {
    return instance;
  }

  /** Whether text prompts are accepted (the model directory has a tokenizer). */
  public boolean acceptsText() {
    return codec.isPresent();
  }

  @Override
  public void close() {
    try {
      frontEnd.close(drain);
    } finally {
      try {
        instance.close();
      } finally {
        codec.ifPresent(TextCodec::close);
      }
    }
  }
}
