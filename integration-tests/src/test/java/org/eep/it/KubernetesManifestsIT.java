package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * deploy/kubernetes parses as Kubernetes objects and names only keys the project knows, with values
 * they accept (no cluster is reachable here: this is what can be checked without one).
 */
class KubernetesManifestsIT {
  private static final Path DIR = DjlServing.PROJECT.resolve("deploy/kubernetes");
  private static final Pattern KEY_VALUE = Pattern.compile("(?:option\\.)?(eep_[a-z0-9_]+)=(\\S*)");
  private static final Pattern ENV = Pattern.compile("OPTION_(EEP_[A-Z0-9_]+)");

  private static List<Object> documents(Path file) throws IOException {
    List<Object> docs = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file)) {
      new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in).forEach(docs::add);
    }
    return docs;
  }

  private static List<Path> manifests() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> d = Files.newDirectoryStream(DIR, "*.yaml")) {
      d.forEach(files::add);
    }
    return files;
  }

  @Test
  void everyManifestParsesAsKubernetesObjects() throws IOException {
    List<Path> files = manifests();
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("zookeeper.yaml", "ranks.yaml", "djl-serving.yaml", "secret.yaml");
    List<String> kinds = new ArrayList<>();
    for (Path f : files) {
      for (Object doc : documents(f)) {
        assertThat(doc).as(f.toString()).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) doc;
        assertThat(m.get("apiVersion")).as(f + ": apiVersion").isNotNull();
        assertThat(m.get("metadata")).as(f + ": metadata").isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) m.get("metadata")).get("name")).as(f + ": name").isNotNull();
        kinds.add(String.valueOf(m.get("kind")));
      }
    }
    assertThat(kinds)
        .contains("StatefulSet", "Deployment", "Service", "Secret", "ConfigMap", "NetworkPolicy");
  }

  @Test
  void everyEepKeyIsKnownAndEveryValueAccepted() throws IOException {
    List<String> known =
        EepConfig.of(Map.of()).knownKeyList().stream().map(ConfigKey::name).toList();
    Map<String, String> values = new LinkedHashMap<>();
    List<String> named = new ArrayList<>();
    for (Path f : manifests()) {
      String text = Files.readString(f);
      Matcher kv = KEY_VALUE.matcher(text);
      while (kv.find()) {
        named.add(kv.group(1));
        if (!kv.group(2).isEmpty()) {
          values.put(kv.group(1), kv.group(2));
        }
      }
      Matcher env = ENV.matcher(text);
      while (env.find()) {
        named.add(env.group(1).toLowerCase());
      }
    }
    assertThat(named)
        .as("keys named in the manifests")
        .isNotEmpty()
        .allSatisfy(k -> assertThat(known).contains(k));
    values.remove("eep_rank_endpoint"); // a template: {rank} is filled per rank
    // Building the configuration validates every value: a bad one throws naming the key.
    assertThat(EepConfig.of(values).asMap()).containsOnlyKeys(values.keySet());
  }
}
