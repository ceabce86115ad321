package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.app.config.StreamFormerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.streamformer.app.deploy.Deployments.POD_NAME;
import static org.assertj.core.api.Assertions.assertThat;

/** deploy/k8s: the StatefulSet, its ConfigMap, Services, PodDisruptionBudget, Strimzi topics, the GPU overlay. */
class KubernetesTest {

    static List<JsonNode> docs() {
        return DeployFiles.k8sBase();
    }

    static JsonNode statefulSet(List<JsonNode> docs) {
        return DeployFiles.find(docs, "StatefulSet", "streamformer");
    }

    /** Topic name (spec.topicName, else metadata.name) to partitions, for KafkaTopics of the cluster "strimzi.io/cluster". */
    static Map<String, Integer> kafkaTopics(List<JsonNode> docs) {
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (JsonNode t : DeployFiles.all(docs, "KafkaTopic")) {
            topics.put(t.at("/spec/topicName").asText(t.at("/metadata/name").asText()), t.at("/spec/partitions").asInt());
        }
        return topics;
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static List<String> problems(List<JsonNode> docs, JsonNode sts, String dockerfile) {
        String origin = "StatefulSet " + sts.at("/metadata/name").asText();
        List<String> problems = new ArrayList<>();
        for (JsonNode d : docs) {
            if (d.path("apiVersion").asText().isEmpty() || d.path("kind").asText().isEmpty()
                    || d.at("/metadata/name").asText().isEmpty()) {
                problems.add("a document without apiVersion, kind or metadata.name: " + d);
            }
        }
        JsonNode podLabels = sts.at("/spec/template/metadata/labels");
        if (!selects(sts.at("/spec/selector/matchLabels"), podLabels)) {
            problems.add(origin + ": spec.selector does not select its own pods");
        }
        JsonNode headless = DeployFiles.all(docs, "Service").stream()
                .filter(s -> s.at("/metadata/name").asText().equals(sts.at("/spec/serviceName").asText()))
                .findFirst().orElse(null);
        if (headless == null || !"None".equals(headless.at("/spec/clusterIP").asText())) {
            problems.add(origin + ": serviceName " + sts.at("/spec/serviceName").asText() + " is no headless Service");
        }
        for (JsonNode selecting : Stream.concat(DeployFiles.all(docs, "Service").stream(),
                DeployFiles.all(docs, "PodDisruptionBudget").stream()).toList()) {
            JsonNode selector = selecting.at("/spec/selector");
            if (selector.has("matchLabels")) {
                selector = selector.path("matchLabels");
            }
            if (!selects(selector, podLabels)) {
                problems.add(selecting.path("kind").asText() + " " + selecting.at("/metadata/name").asText()
                        + ": its selector does not match the pods' labels " + podLabels);
            }
        }
        int replicas = sts.at("/spec/replicas").asInt(1);
        for (JsonNode pdb : DeployFiles.all(docs, "PodDisruptionBudget")) {
            int unavailable = pdb.at("/spec/maxUnavailable").asInt(replicas - pdb.at("/spec/minAvailable").asInt(0));
            if (unavailable < 1 || unavailable >= replicas) {
                problems.add("PodDisruptionBudget " + pdb.at("/metadata/name").asText() + ": allows " + unavailable
                        + " of " + replicas + " pods down (drains must be able to proceed, one pod must stay)");
            }
        }

        StreamFormerConfig cfg;
        try {
            cfg = DeployChecks.effectiveConfig(origin, Deployments.k8sProperties(docs, sts),
                    Deployments.containerEnvironment(sts));
        } catch (AssertionError | RuntimeException e) {
            problems.add(origin + ": " + e.getMessage());
            return problems;
        }
        JsonNode container = Deployments.container(sts);
        String stateDir = cfg.streamsProperties().getProperty(StreamsConfig.STATE_DIR_CONFIG);
        List<String> claims = new ArrayList<>();
        sts.at("/spec/volumeClaimTemplates").forEach(c -> claims.add(c.at("/metadata/name").asText()));
        boolean persistent = false;
        for (JsonNode mount : container.path("volumeMounts")) {
            String dir = mount.path("mountPath").asText();
            persistent |= claims.contains(mount.path("name").asText())
                    && (stateDir.equals(dir) || stateDir.startsWith(dir + "/"));
        }
        if (!persistent) {
            problems.add(origin + ": state.dir " + stateDir + " is not on a volumeClaimTemplates volume: a"
                    + " restarted pod would restore every store from its changelog");
        }
        if (!POD_NAME.equals(cfg.streamsProperties().getProperty("group.instance.id"))) {
            problems.add(origin + ": group.instance.id is not the pod's name (static membership: "
                    + "STREAMFORMER_KAFKA_GROUP_INSTANCE_ID from metadata.name)");
        }
        problems.addAll(DeployChecks.membershipProblems(origin, cfg));
        if (cfg.getBoolean(StreamFormerConfig.SHUTDOWN_LEAVE_GROUP)) {
            problems.add(origin + ": " + StreamFormerConfig.SHUTDOWN_LEAVE_GROUP + "=true: every rolling restart"
                    + " rebalances twice although the pod comes back with its state");
        }
        long grace = sts.at("/spec/template/spec/terminationGracePeriodSeconds").asLong(30) * 1000;
        problems.addAll(DeployChecks.gracePeriodProblems(origin + " terminationGracePeriodSeconds", grace, cfg));

        JsonNode resources = container.path("resources");
        String limit = resources.at("/limits/memory").asText("");
        if (!limit.equals(resources.at("/requests/memory").asText(""))) {
            problems.add(origin + ": memory request " + resources.at("/requests/memory").asText("none")
                    + " != limit " + limit + " (a pod above its request is the first to be OOM-killed)");
        }
        if (resources.at("/limits/cpu").isMissingNode()) {
            problems.add(origin + ": no CPU limit: the engine would start a worker thread per core of the node");
        }
        String entrypoint = Deployments.entrypointText(dockerfile);
        problems.addAll(DeployChecks.memoryProblems(origin, DeployChecks.jvmFlags(entrypoint,
                Deployments.containerEnvironment(sts).get("STREAMFORMER_JAVA_OPTS")),
                limit.isEmpty() ? 0 : DeployChecks.bytes(limit)));
        for (String probe : List.of("livenessProbe", "readinessProbe")) {
            if (!container.has(probe)) {
                problems.add(origin + ": no " + probe);
            }
        }
        problems.addAll(DeployChecks.portProblems(Deployments.k8sEndpoints(origin, sts,
                DeployFiles.all(docs, "Service")), DeployChecks.httpPort(cfg)));

        Map<String, Integer> topics = kafkaTopics(docs);
        problems.addAll(DeployChecks.scalingProblems(origin, replicas, cfg, topics));
        problems.addAll(DeployChecks.topicProblems("KafkaTopics", topics.keySet(), cfg));
        String bootstrap = cfg.streamsProperties().getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
        for (JsonNode t : DeployFiles.all(docs, "KafkaTopic")) {
            String name = "KafkaTopic " + t.at("/metadata/name").asText();
            String cluster = t.at("/metadata/labels").path("strimzi.io/cluster").asText("");
            if (cluster.isEmpty()) {
                problems.add(name + ": no strimzi.io/cluster label: no Topic Operator picks it up");
            } else if (!bootstrap.startsWith(cluster + "-kafka-bootstrap")) {
                problems.add(name + ": cluster " + cluster + ", but the app connects to " + bootstrap);
            }
            int topicReplicas = t.at("/spec/replicas").asInt();
            int minIsr = t.at("/spec/config").path("min.insync.replicas").asInt(1);
            if (minIsr >= topicReplicas && topicReplicas > 1) {
                problems.add(name + ": min.insync.replicas " + minIsr + " of " + topicReplicas
                        + " replicas: one broker down stops every write");
            }
        }
        return problems;
    }

    @Test
    void the_manifests_parse_and_hold_together() {
        List<JsonNode> docs = docs();
        assertThat(docs).extracting(d -> d.path("kind").asText()).contains("ConfigMap", "StatefulSet", "Service",
                "PodDisruptionBudget", "KafkaTopic");
        assertThat(problems(docs, statefulSet(docs), Deployments.DOCKERFILE)).isEmpty();
    }

    @Test
    void every_yaml_file_under_deploy_parses() throws Exception {
        try (Stream<Path> files = Files.walk(DeployFiles.path("deploy"))) {
            List<Path> yaml = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList();
            assertThat(yaml).hasSizeGreaterThanOrEqualTo(8);
            for (Path p : yaml) {
                assertThat(DeployFiles.yamlDocuments(p)).as(p.toString()).isNotEmpty();
            }
        }
    }

    @Test
    void the_gpu_overlay_asks_for_a_gpu_and_the_tornadovm_backend() {
        List<JsonNode> docs = docs();
        JsonNode gpu = DeployFiles.gpuStatefulSet();
        assertThat(problems(docs, gpu, Deployments.DOCKERFILE_TORNADOVM)).isEmpty();
        assertThat(gpu.at("/spec/template/spec/containers/0/resources/limits").path("nvidia.com/gpu").asInt())
                .isGreaterThanOrEqualTo(1);
        assertThat(Deployments.containerEnvironment(gpu)).containsEntry(
                StreamFormerConfig.environmentVariable(StreamFormerConfig.BACKEND), "tornadovm");
        assertThat(gpu.at("/spec/template/spec/nodeSelector").isEmpty()).isFalse();
        JsonNode overlay = DeployFiles.yaml(DeployFiles.path("deploy/k8s/overlays/gpu/kustomization.yaml"));
        assertThat(overlay.at("/images/0/newTag").asText()).endsWith("-tornadovm");
    }

    private static ObjectNode spec(JsonNode sts) {
        return (ObjectNode) sts.path("spec");
    }

    private static ObjectNode container(JsonNode sts) {
        return (ObjectNode) Deployments.container(sts);
    }

    @Test
    void checks_catch_too_many_replicas_no_persistent_state_a_wrong_probe_port_and_a_short_grace_period() {
        List<JsonNode> docs = docs();
        JsonNode sts = statefulSet(docs).deepCopy();
        spec(sts).put("replicas", 9);
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("9 replicas x 1 stream threads > 8"));

        sts = statefulSet(docs).deepCopy();
        spec(sts).remove("volumeClaimTemplates");
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("not on a volumeClaimTemplates"));

        sts = statefulSet(docs).deepCopy();
        ((ObjectNode) container(sts).at("/readinessProbe/httpGet")).put("port", 9090);
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("readinessProbe: port 9090"));

        sts = statefulSet(docs).deepCopy();
        ((ObjectNode) sts.at("/spec/template/spec")).put("terminationGracePeriodSeconds", 30);
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("terminationGracePeriodSeconds"));
    }

    @Test
    void checks_catch_no_static_membership_unequal_memory_a_missing_topic_and_unmatched_selectors() {
        List<JsonNode> docs = docs();
        JsonNode sts = statefulSet(docs).deepCopy();
        ((ArrayNode) container(sts).path("env")).remove(0);
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("static membership"));

        sts = statefulSet(docs).deepCopy();
        ((ArrayNode) container(sts).path("env")).addObject().put("name", "STREAMFORMER_SHUTDOWN_LEAVE_GROUP")
                .put("value", "true");
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("rebalances twice"));

        sts = statefulSet(docs).deepCopy();
        ((ObjectNode) container(sts).at("/resources/requests")).put("memory", "1Gi");
        assertThat(problems(docs, sts, Deployments.DOCKERFILE)).anyMatch(p -> p.contains("memory request 1Gi != limit 2Gi"));

        List<JsonNode> renamed = new ArrayList<>(docs());
        ((ObjectNode) DeployFiles.find(renamed, "KafkaTopic", "inference-dead-letters").path("metadata"))
                .put("name", "dead-letters");
        assertThat(problems(renamed, statefulSet(renamed), Deployments.DOCKERFILE))
                .anyMatch(p -> p.contains("inference-dead-letters is not created"));

        List<JsonNode> unmatched = new ArrayList<>(docs());
        ((ObjectNode) DeployFiles.find(unmatched, "PodDisruptionBudget", "streamformer").at("/spec/selector/matchLabels"))
                .put("app.kubernetes.io/name", "stream-former");
        assertThat(problems(unmatched, statefulSet(unmatched), Deployments.DOCKERFILE))
                .anyMatch(p -> p.contains("PodDisruptionBudget streamformer: its selector"));

        List<JsonNode> otherCluster = new ArrayList<>(docs());
        ((ObjectNode) DeployFiles.find(otherCluster, "KafkaTopic", "inference-requests").at("/metadata/labels"))
                .put("strimzi.io/cluster", "other");
        assertThat(problems(otherCluster, statefulSet(otherCluster), Deployments.DOCKERFILE))
                .anyMatch(p -> p.contains("cluster other"));
    }

    @Test
    void json_patch_fails_on_a_path_that_does_not_exist() {
        JsonNode sts = statefulSet(docs());
        JsonNode bad = DeployFiles.yamlDocuments("- op: replace\n  path: /spec/template/spec/containers/0/nope\n  value: 1\n")
                .get(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeployFiles.applyJsonPatch(sts, bad))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
