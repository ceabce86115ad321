package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.app.config.StreamFormerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every configuration that deploy/ gives the app, file plus environment, uses only keys the app defines
 * (StreamFormerConfig.DEFINITION) or Kafka knows, and the app accepts its values; the documentation names no
 * key or variable that does not exist.
 */
class DeployConfigurationTest {

    /** A configuration an app instance runs with. */
    record Source(String origin, Properties file, Map<String, String> env) {
    }

    static List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        for (String dockerfile : List.of(Deployments.DOCKERFILE, Deployments.DOCKERFILE_TORNADOVM)) {
            Dockerfile df = Deployments.dockerfile(dockerfile);
            sources.add(new Source(dockerfile, DeployFiles.properties(DeployFiles.read(Deployments.bakedConfig(df))),
                    df.finalStage().env()));
        }
        JsonNode compose = DeployFiles.compose();
        for (String name : Deployments.composeAppServices(compose)) {
            JsonNode service = compose.path("services").path(name);
            sources.add(new Source(Deployments.COMPOSE_FILE + " " + name, Deployments.composeProperties(service),
                    Deployments.composeEnvironment(service)));
        }
        List<JsonNode> docs = DeployFiles.k8sBase();
        JsonNode sts = DeployFiles.find(docs, "StatefulSet", "streamformer");
        sources.add(new Source("deploy/k8s StatefulSet", Deployments.k8sProperties(docs, sts),
                Deployments.containerEnvironment(sts)));
        JsonNode gpu = DeployFiles.gpuStatefulSet();
        sources.add(new Source("deploy/k8s/overlays/gpu StatefulSet", Deployments.k8sProperties(docs, gpu),
                Deployments.containerEnvironment(gpu)));
        JsonNode secured = DeployFiles.overlayStatefulSet("sasl-ssl");
        sources.add(new Source("deploy/k8s/overlays/sasl-ssl StatefulSet", Deployments.k8sProperties(docs, secured),
                Deployments.containerEnvironment(secured)));
        return sources;
    }

    @Test
    void every_key_and_variable_exists_and_every_value_is_accepted() {
        List<Source> sources = sources();
        assertThat(sources).hasSize(7);
        for (Source s : sources) {
            assertThat(DeployChecks.configProblems(s.origin(), s.file(), s.env())).as(s.origin()).isEmpty();
        }
        // every ConfigMap in deploy/k8s is a configuration the app reads
        for (JsonNode cm : DeployFiles.all(DeployFiles.k8sBase(), "ConfigMap")) {
            cm.path("data").properties().forEach(e -> assertThat(DeployChecks.keyProblems(
                    "ConfigMap " + e.getKey(), DeployFiles.properties(e.getValue().asText()))).isEmpty());
        }
    }

    @Test
    void the_checks_catch_unknown_keys_misspelt_variables_and_rejected_values() {
        Source base = sources().get(0);
        assertThat(problems(base, "streamformer.dlq.topik", "x", null, null)).anyMatch(p -> p.contains("not a key of the app"));
        assertThat(problems(base, "num.stream.thread", "2", null, null)).anyMatch(p -> p.contains("neither an app key"));
        assertThat(problems(base, null, null, "STREAMFORMER_MODELDIR", "/m")).anyMatch(p -> p.contains("maps to no app key"));
        assertThat(problems(base, null, null, "STREAMFORMER_KAFKA_BOOTSTRAP_SERVER", "b:9092"))
                .anyMatch(p -> p.contains("no Kafka Streams/client key"));
        assertThat(problems(base, "streamformer.http.port", "http", null, null)).anyMatch(p -> p.contains("rejected"));
        assertThat(problems(base, "processing.guarantee", "exactly_once_v3", null, null)).anyMatch(p -> p.contains("rejected"));
        assertThat(problems(base, null, null, "STREAMFORMER_BACKEND", "cuda")).anyMatch(p -> p.contains("no backend"));
        // prefixed Kafka keys are fine
        assertThat(problems(base, "main.consumer.max.poll.records", "100", "STREAMFORMER_KAFKA_TOPIC_SEGMENT_BYTES", "1000000"))
                .isEmpty();
    }

    private static List<String> problems(Source base, String key, String value, String variable, String varValue) {
        Properties p = new Properties();
        p.putAll(base.file());
        if (key != null) {
            p.setProperty(key, value);
        }
        Map<String, String> env = new HashMap<>(base.env());
        if (variable != null) {
            env.put(variable, varValue);
        }
        return DeployChecks.configProblems("mutated", p, env);
    }

    // ---------------------------------------------------------------- documentation

    private static final Pattern APP_KEY = Pattern.compile("(?<![\\w.])streamformer\\.[a-z][a-z0-9.]*[a-z0-9]");
    private static final Pattern VARIABLE = Pattern.compile("(?<!\\w)STREAMFORMER_[A-Z0-9_]*");
    private static final Set<String> FILE_SUFFIXES = Set.of("jar", "properties", "yml", "yaml", "json", "java");

    /** Keys and variables named in a text that do not exist (file names like streamformer.jar aside). */
    static List<String> namedButMissing(String origin, String text) {
        Set<String> problems = new TreeSet<>();
        Matcher k = APP_KEY.matcher(text);
        while (k.find()) {
            String key = k.group();
            if (!FILE_SUFFIXES.contains(key.substring(key.lastIndexOf('.') + 1))
                    && !StreamFormerConfig.DEFINITION.names().contains(key)) {
                problems.add(origin + ": names " + key + ", which is not a key of the app");
            }
        }
        Matcher v = VARIABLE.matcher(text);
        while (v.find()) {
            if (v.group().endsWith("_")) {
                continue; // a prefix: STREAMFORMER_KAFKA_<NAME>
            }
            problems.addAll(DeployChecks.environmentProblems(origin, Map.of(v.group(), "")));
        }
        return new ArrayList<>(problems);
    }

    @Test
    void the_deployment_files_and_their_documentation_name_only_keys_and_variables_that_exist() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.walk(DeployFiles.path("deploy"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                problems.addAll(namedButMissing(DeployFiles.root().relativize(f).toString(), DeployFiles.read(f)));
            }
        }
        String readme = DeployFiles.read(DeployFiles.path("README.md"));
        int start = readme.indexOf("\n## Operations");
        assertThat(start).as("README.md has an Operations section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        problems.addAll(namedButMissing("README.md Operations", readme.substring(start, end < 0 ? readme.length() : end)));
        assertThat(problems).isEmpty();
        assertThat(namedButMissing("doc", "set `streamformer.http.prot` or STREAMFORMER_HTTP_PROT; streamformer.jar"))
                .hasSize(2);
    }
}
