package org.eep.djl.model;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} matching a generated model's vocabulary, so text prompts
 * can be served end to end: a word-level model (lower-cased, split on whitespace) over {@code
 * vocab_size} words, id 0 {@code <unk>} for any word outside it, then common English words, then
 * pronounceable syllable pairs. Decoding joins words with spaces. Deterministic.
 */
public final class TokenizerGenerator {
  /** The file name Hugging Face tokenizers read. */
  public static final String FILE = "tokenizer.json";

  private static final String UNKNOWN = "<unk>";
  private static final List<String> COMMON =
      List.of(
          "the",
          "of",
          "and",
          "a",
          "to",
          "in",
          "is",
          "you",
          "that",
          "it",
          "he",
          "was",
          "for",
          "on",
          "are",
          "as",
          "with",
          "his",
          "they",
          "i",
          "at",
          "be",
          "this",
          "have",
          "from",
          "or",
          "one",
          "had",
          "by",
          "word",
          "but",
          "not",
          "what",
          "all",
          "were",
          "we",
          "when",
          "your",
          "can",
          "said",
          "there",
          "use",
          "an",
          "each",
          "which",
          "she",
          "do",
          "how",
          "their",
          "if",
          "will",
          "up",
          "other",
          "about",
          "out",
          "many",
          "then",
          "them",
          "these",
          "so",
          "some",
          "her",
          "would",
          "make",
          "like",
          "him",
          "into",
          "time",
          "has",
          "look",
          "two",
          "more",
          "write",
          "go",
          "see",
          "number",
          "no",
          "way",
          "could",
          "people",
          "my",
          "than",
          "first",
          "water",
          "been",
          "call",
          "who",
          "oil",
          "its",
          "now",
          "find",
          "long",
          "down",
          "day",
          "did",
          "get",
          "come",
          "made",
          "may",
          "part",
          "hello",
          "world",
          "expert",
          "experts",
          "parallel",
          "model",
          "rank",
          "ranks",
          "token",
          "tokens",
          "elastic",
          "fast",
          "slow",
          "good",
          "new");
  private static final String CONSONANTS = "bdfghklmnprstvz";
  private static final String VOWELS = "aeiou";

  private TokenizerGenerator() {}

  /** The {@code vocabSize} words, by id. */
  public static List<String> vocabulary(int vocabSize) {
    Set<String> words = new LinkedHashSet<>();
    words.add(UNKNOWN);
    for (String w : COMMON) {
      if (words.size() < vocabSize) {
        words.add(w);
      }
    }
    List<String> syllables = new ArrayList<>();
    for (char c : CONSONANTS.toCharArray()) {
      for (char v : VOWELS.toCharArray()) {
        syllables.add("" + c + v);
      }
    }
    for (int n = 1; words.size() < vocabSize; n++) {
      for (String w : words(syllables, n)) {
        if (words.size() >= vocabSize) {
          break;
        }
        words.add(w);
      }
    }
    return List.copyOf(words);
  }

  private static List<String> words(List<String> syllables, int n) {
    List<String> out = new ArrayList<>(List.of(""));
    for (int i = 0; i < n; i++) {
      List<String> next = new ArrayList<>();
      for (String prefix : out) {
        for (String s : syllables) {
          next.add(prefix + s);
        }
      }
      out = next;
    }
    return out;
  }

  /** Writes {@code tokenizer.json} for {@code config}'s vocabulary into {@code dir}. */
  public static void write(MoeConfig config, Path dir) throws IOException {
    List<String> words = vocabulary(config.vocabSize());
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int i = 0; i < words.size(); i++) {
      vocab.put(words.get(i), i);
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "WordLevel");
    model.put("vocab", vocab);
    model.put("unk_token", UNKNOWN);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", "1.0");
    json.put("truncation", null);
    json.put("padding", null);
    json.put("added_tokens", List.of());
    json.put("normalizer", Map.of("type", "Lowercase"));
    json.put("pre_tokenizer", Map.of("type", "WhitespaceSplit"));
    json.put("post_processor", null);
    json.put("decoder", null);
    json.put("model", model);
    Files.writeString(
        dir.resolve(FILE),
        new GsonBuilder().serializeNulls().create().toJson(json),
        StandardCharsets.UTF_8);
  }
}
