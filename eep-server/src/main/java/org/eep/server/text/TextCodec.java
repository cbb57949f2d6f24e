package org.eep.server.text;

import static java.util.Objects.requireNonNull;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eep.djl.model.TokenizerGenerator;
import org.eep.djl.request.InvalidRequestException;

/**
 * Text ↔ token ids for a model directory that has a {@code tokenizer.json}, through DJL's Hugging
 * Face tokenizers (native, offline). No special tokens are added: the ids are exactly the text's.
 * Thread-safe (the native tokenizer is).
 */
public final class TextCodec implements AutoCloseable {
  /** The file a model directory holds its tokenizer in. */
  public static final String FILE = TokenizerGenerator.FILE;

  private final HuggingFaceTokenizer tokenizer;
  private final int vocabSize;

  private TextCodec(HuggingFaceTokenizer tokenizer, int vocabSize) {
    this.tokenizer = tokenizer;
    this.vocabSize = vocabSize;
  }

  /**
   * The tokenizer of {@code modelDir}, or empty if it has no {@code tokenizer.json}.
   *
   * @throws IOException if the file is there but cannot be read as a tokenizer
   */
  public static Optional<TextCodec> load(Path modelDir, int vocabSize) throws IOException {
    Path file = requireNonNull(modelDir, "modelDir is null").resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    HuggingFaceTokenizer t =
        HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"));
    return Optional.of(new TextCodec(t, vocabSize));
  }

  /**
   * The ids of {@code text}.
   *
   * @throws InvalidRequestException if the tokenizer gives ids the model does not have
   */
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(requireNonNull(text, "text is null"), false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new InvalidRequestException(
            "the tokenizer gave id "
                + ids[i]
                + ", outside the model's vocabulary [0, "
                + vocabSize
                + ")");
      }
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** The text of {@code ids}. */
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, false);
  }

  /**
   * The text one more token adds to a stream: the difference between the decoded text with and
   * without it, so a tokenizer that merges or spaces tokens streams exactly the text {@link
   * #decode} gives at the end. Not thread-safe: one per stream.
   */
  public final class Stream {
    private final List<Integer> ids = new ArrayList<>();
    private String text = "";

    /** The text {@code token} adds. */
    public String next(int token) {
      ids.add(token);
      String now = decode(ids.stream().mapToInt(Integer::intValue).toArray());
      String added = now.startsWith(text) ? now.substring(text.length()) : now;
      text = now;
      return added;
    }
  }

  /** A new stream decoder. */
  public Stream stream() {
    return new Stream();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
