package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading the files under deploy/: the repository root, YAML (every document of a file, with anchors and merge
 * keys resolved: SnakeYAML, as docker compose does; Jackson's YAML reader leaves aliases unresolved), Java
 * properties, docker-compose variable interpolation, environment lists, Kubernetes documents and JSON patches.
 */
final class DeployFiles {
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Path ROOT = findRoot();

    private DeployFiles() {
    }

    /** The repository root: the tests run in streams-app/, the root is the first parent with ./streamformer. */
    static Path root() {
        return ROOT;
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("streamformer")) && Files.isDirectory(p.resolve("deploy"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with ./streamformer and deploy/) not found above "
                + Path.of("").toAbsolutePath());
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of a YAML file (empty documents are left out). */
    static List<JsonNode> yamlDocuments(Path file) {
        return yamlDocuments(read(file));
    }

    static List<JsonNode> yamlDocuments(String text) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<JsonNode> docs = new ArrayList<>();
        for (Object doc : yaml.loadAll(text)) {
            if (doc != null) {
                docs.add(JSON.valueToTree(doc));
            }
        }
        return docs;
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> docs = yamlDocuments(file);
        if (docs.size() != 1) {
            throw new IllegalStateException(file + ": expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    static Properties properties(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    // ---------------------------------------------------------------- docker compose

    private static final Pattern COMPOSE_VARIABLE =
            Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    /** docker compose's interpolation: ${VAR}, $VAR, ${VAR:-default}, ${VAR-default}, $$ (a literal $). */
    static String interpolate(String s, Map<String, String> env) {
        Matcher m = COMPOSE_VARIABLE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                String name = m.group(1) != null ? m.group(1) : m.group(4);
                String value = env.get(name);
                String op = m.group(2);
                if (op == null) {
                    replacement = value != null ? value : "";
                } else if (op.startsWith(":") ? value == null || value.isEmpty() : value == null) {
                    if (op.endsWith("?")) {
                        throw new IllegalArgumentException("required variable " + name + ": " + m.group(3));
                    }
                    replacement = m.group(3);
                } else {
                    replacement = value;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A copy of {@code node} with every string interpolated. */
    static JsonNode interpolate(JsonNode node, Map<String, String> env) {
        if (node.isTextual()) {
            return TextNode.valueOf(interpolate(node.asText(), env));
        }
        if (node.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            node.forEach(n -> copy.add(interpolate(n, env)));
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), interpolate(e.getValue(), env)));
            return copy;
        }
        return node;
    }

    /** deploy/docker-compose.yml, interpolated as `docker compose` does with none of its variables set. */
    static JsonNode compose() {
        return interpolate(yaml(path("deploy/docker-compose.yml")), Map.of());
    }

    /**
     * An environment: a compose map or list ("NAME=value"), or a Kubernetes list of {name, value | valueFrom}
     * (valueFrom: metadata.name becomes {@code podName}, anything else "valueFrom").
     */
    static Map<String, String> environment(JsonNode env, String podName) {
        Map<String, String> out = new LinkedHashMap<>();
        if (env == null || env.isMissingNode() || env.isNull()) {
            return out;
        }
        if (env.isObject()) {
            env.properties().forEach(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        } else {
            for (JsonNode item : env) {
                if (item.isTextual()) {
                    String s = item.asText();
                    int eq = s.indexOf('=');
                    out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
                } else if (item.has("value")) {
                    out.put(item.get("name").asText(), item.get("value").asText());
                } else {
                    boolean podNameRef = "metadata.name".equals(item.at("/valueFrom/fieldRef/fieldPath").asText());
                    out.put(item.get("name").asText(), podNameRef ? podName : "valueFrom");
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- Kubernetes

    /** The documents of every resource a kustomization directory lists (recursively through bases). */
    static List<JsonNode> kustomizeResources(Path dir) {
        JsonNode k = yaml(dir.resolve("kustomization.yaml"));
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                docs.addAll(kustomizeResources(p));
            } else {
                docs.addAll(yamlDocuments(p));
            }
        }
        return docs;
    }

    static List<JsonNode> k8sBase() {
        return kustomizeResources(path("deploy/k8s"));
    }

    /** The documents of an overlay: the base's and its own. */
    static List<JsonNode> k8sOverlay(String name) {
        return kustomizeResources(path("deploy/k8s/overlays/" + name));
    }

    /** The base StatefulSet with the GPU overlay's JSON 6902 patch applied. */
    static JsonNode gpuStatefulSet() {
        return overlayStatefulSet("gpu");
    }

    /** The base StatefulSet with the JSON 6902 patch of the overlay deploy/k8s/overlays/{@code name} applied. */
    static JsonNode overlayStatefulSet(String name) {
        Path overlay = path("deploy/k8s/overlays/" + name);
        JsonNode kustomization = yaml(overlay.resolve("kustomization.yaml"));
        JsonNode patch = kustomization.path("patches").get(0);
        JsonNode target = find(kustomizeResources(overlay), patch.at("/target/kind").asText(),
                patch.at("/target/name").asText());
        return applyJsonPatch(target, yaml(overlay.resolve(patch.path("path").asText())));
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }

    static List<JsonNode> all(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    /** RFC 6902 "add", "replace" and "remove" (what kustomize overlays use), applied to a copy. */
    static JsonNode applyJsonPatch(JsonNode doc, JsonNode operations) {
        JsonNode result = doc.deepCopy();
        for (JsonNode op : operations) {
            String path = op.path("path").asText();
            int slash = path.lastIndexOf('/');
            JsonNode parent = result.at(path.substring(0, slash));
            String last = path.substring(slash + 1).replace("~1", "/").replace("~0", "~");
            String kind = op.path("op").asText();
            if (parent.isMissingNode()) {
                throw new IllegalArgumentException("patch path " + path + ": no parent");
            }
            if (parent.isArray()) {
                ArrayNode array = (ArrayNode) parent;
                int index = last.equals("-") ? array.size() : Integer.parseInt(last);
                switch (kind) {
                    case "add" -> array.insert(index, op.get("value"));
                    case "replace" -> array.set(requireIndex(array, index, path), op.get("value"));
                    case "remove" -> array.remove(requireIndex(array, index, path));
                    default -> throw new IllegalArgumentException("unsupported patch op " + kind);
                }
            } else {
                ObjectNode object = (ObjectNode) parent;
                if (!kind.equals("add") && !object.has(last)) {
                    throw new IllegalArgumentException("patch path " + path + ": nothing to " + kind);
                }
                switch (kind) {
                    case "add", "replace" -> object.set(last, op.get("value"));
                    case "remove" -> object.remove(last);
                    default -> throw new IllegalArgumentException("unsupported patch op " + kind);
                }
            }
        }
        return result;
    }

    private static int requireIndex(ArrayNode array, int index, String path) {
        if (index < 0 || index >= array.size()) {
            throw new IllegalArgumentException("patch path " + path + ": index out of range");
        }
        return index;
    }

    /** Field names of an object node, in order. */
    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
