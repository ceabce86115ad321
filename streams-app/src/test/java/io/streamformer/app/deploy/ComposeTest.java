package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.streamformer.app.config.StreamFormerConfig;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.streamformer.app.deploy.Deployments.COMPOSE_FILE;
import static org.assertj.core.api.Assertions.assertThat;

/** deploy/docker-compose.yml: one KRaft broker, the topics, two app instances sharing the input partitions. */
class ComposeTest {
    private static final Pattern TOPIC = Pattern.compile("--topic\\s+\"?([\\w.-]+)\"?.*?--partitions\\s+(\\d+)");
    /** docker compose's default grace period between SIGTERM and SIGKILL. */
    private static final long COMPOSE_DEFAULT_GRACE_MS = 10_000;

    /** Topics created by the compose file's commands, with their partition counts. */
    static Map<String, Integer> createdTopics(JsonNode compose) {
        Map<String, Integer> topics = new LinkedHashMap<>();
        compose.path("services").forEach(service -> {
            for (String line : service.path("command").toString().split("\\\\n|\\n|\",\"")) {
                Matcher m = TOPIC.matcher(line);
                if (m.find()) {
                    topics.put(m.group(1), Integer.parseInt(m.group(2)));
                }
            }
        });
        return topics;
    }

    static JsonNode kafkaService(JsonNode compose) {
        for (JsonNode service : compose.path("services")) {
            if (service.path("image").asText().startsWith("apache/kafka:") && service.has("healthcheck")) {
                return service;
            }
        }
        throw new AssertionError("no apache/kafka broker service with a healthcheck");
    }

    static List<String> composeProblems(JsonNode compose) {
        List<String> problems = new ArrayList<>();
        JsonNode kafka = kafkaService(compose);
        String image = kafka.path("image").asText();
        String clientVersion = AppInfoParser.getVersion();
        if (!image.equals("apache/kafka:" + clientVersion)) {
            problems.add(COMPOSE_FILE + ": broker " + image + ", but the app's Kafka clients are " + clientVersion);
        }
        Map<String, String> brokerEnv = DeployFiles.environment(kafka.path("environment"), "");
        Set<String> brokerKeys = AbstractKafkaConfig.CONFIG_DEF.names();
        brokerEnv.forEach((name, value) -> {
            if (name.startsWith("KAFKA_")) {
                // the apache/kafka image's rule: KAFKA_ stripped, ___ -> '-', __ -> '_', _ -> '.', lower case
                String key = name.substring(6).toLowerCase(Locale.ROOT).replace("___", "-").replace("__", "\0")
                        .replace('_', '.').replace('\0', '_');
                if (!brokerKeys.contains(key)) {
                    problems.add(COMPOSE_FILE + ": broker variable " + name + " sets " + key + ", no broker setting");
                }
            }
        });
        // a single broker: every internal topic must fit on it, or transactions (exactly-once) never start
        for (String rf : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            if (!"1".equals(brokerEnv.get(rf))) {
                problems.add(COMPOSE_FILE + ": one broker needs " + rf + "=1");
            }
        }
        String advertised = brokerEnv.getOrDefault("KAFKA_ADVERTISED_LISTENERS", "");

        List<String> apps = Deployments.composeAppServices(compose);
        if (apps.size() < 2) {
            problems.add(COMPOSE_FILE + ": " + apps.size() + " app services; the setup shows two sharing the work");
        }
        Map<String, Integer> topics = createdTopics(compose);
        Set<String> applicationIds = new HashSet<>();
        Set<String> instanceIds = new HashSet<>();
        Set<String> stateVolumes = new HashSet<>();
        int replicas = 0;
        StreamFormerConfig first = null;
        for (String name : apps) {
            String origin = COMPOSE_FILE + " " + name;
            JsonNode service = compose.path("services").path(name);
            StreamFormerConfig cfg = DeployChecks.effectiveConfig(origin, Deployments.composeProperties(service),
                    Deployments.composeEnvironment(service));
            first = first == null ? cfg : first;
            replicas += service.at("/deploy/replicas").asInt(1);
            applicationIds.add(cfg.streamsProperties().getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
            String instance = cfg.streamsProperties().getProperty("group.instance.id");
            if (instance != null && !instanceIds.add(instance)) {
                problems.add(origin + ": group.instance.id " + instance + " is used by another instance");
            }
            String bootstrap = cfg.streamsProperties().getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
            if (!advertised.contains("//" + bootstrap)) {
                problems.add(origin + ": bootstrap.servers=" + bootstrap + " is not an advertised listener ("
                        + advertised + ")");
            }
            String stateDir = cfg.streamsProperties().getProperty(StreamsConfig.STATE_DIR_CONFIG);
            String volume = null;
            for (JsonNode v : service.path("volumes")) {
                String[] parts = v.asText().split(":");
                if (parts.length > 1 && parts[1].equals(stateDir) && compose.path("volumes").has(parts[0])) {
                    volume = parts[0];
                }
            }
            if (volume == null) {
                problems.add(origin + ": state.dir " + stateDir + " is not on a named volume (a new container"
                        + " would restore every store from its changelog)");
            } else if (!stateVolumes.add(volume)) {
                problems.add(origin + ": shares the state volume " + volume + " with another instance");
            }
            problems.addAll(DeployChecks.membershipProblems(origin, cfg));
            long grace = service.has("stop_grace_period")
                    ? DeployChecks.durationMillis(service.path("stop_grace_period").asText()) : COMPOSE_DEFAULT_GRACE_MS;
            problems.addAll(DeployChecks.gracePeriodProblems(origin + " stop_grace_period", grace, cfg));
            String limit = service.at("/deploy/resources/limits/memory").asText(service.path("mem_limit").asText(""));
            String entrypoint = Deployments.entrypointText(Deployments.DOCKERFILE);
            problems.addAll(DeployChecks.memoryProblems(origin, DeployChecks.jvmFlags(entrypoint,
                    Deployments.composeEnvironment(service).get("STREAMFORMER_JAVA_OPTS")),
                    limit.isEmpty() ? 0 : DeployChecks.bytes(limit)));
            boolean published = false;
            for (JsonNode port : service.path("ports")) {
                String[] parts = port.asText().split(":");
                published |= parts[parts.length - 1].equals(String.valueOf(DeployChecks.httpPort(cfg)));
            }
            if (!published) {
                problems.add(origin + ": the HTTP port " + DeployChecks.httpPort(cfg) + " (metrics) is not published");
            }
            if (!service.at("/depends_on").toString().contains("service_completed_successfully")) {
                problems.add(origin + ": does not wait for the topics to be created");
            }
        }
        if (applicationIds.size() > 1) {
            problems.add(COMPOSE_FILE + ": instances with different application.id " + applicationIds
                    + " do not share the work");
        }
        if (first != null) {
            problems.addAll(DeployChecks.scalingProblems(COMPOSE_FILE, replicas, first, topics));
            problems.addAll(DeployChecks.topicProblems(COMPOSE_FILE, topics.keySet(), first));
            if (DeployChecks.intSetting(first, StreamsConfig.REPLICATION_FACTOR_CONFIG) > 1) {
                problems.add(COMPOSE_FILE + ": replication.factor > 1 on a single broker");
            }
        }
        return problems;
    }

    @Test
    void the_compose_file_parses_and_its_setup_holds_together() {
        JsonNode compose = DeployFiles.compose();
        assertThat(Deployments.composeAppServices(compose)).containsExactly("streamformer-1", "streamformer-2");
        assertThat(createdTopics(compose)).containsEntry("inference-requests", 4).hasSize(3);
        assertThat(composeProblems(compose)).isEmpty();
    }

    private static ObjectNode service(JsonNode compose, String name) {
        return (ObjectNode) compose.path("services").path(name);
    }

    @Test
    void compose_checks_catch_too_many_replicas_a_shared_state_volume_and_a_short_grace_period() {
        JsonNode scaled = DeployFiles.compose();
        service(scaled, "streamformer-2").withObject("/deploy").put("replicas", 4);
        assertThat(composeProblems(scaled)).anyMatch(p -> p.contains("5 replicas x 1 stream threads > 4 partitions"));

        JsonNode shared = DeployFiles.compose();
        ((com.fasterxml.jackson.databind.node.ArrayNode) service(shared, "streamformer-2").path("volumes")).set(1, TextNode.valueOf("state-1:/var/lib/streamformer/state"));
        assertThat(composeProblems(shared)).anyMatch(p -> p.contains("shares the state volume state-1"));

        JsonNode hasty = DeployFiles.compose();
        service(hasty, "streamformer-1").put("stop_grace_period", "20s");
        assertThat(composeProblems(hasty)).anyMatch(p -> p.contains("stop_grace_period"));
    }

    @Test
    void compose_checks_catch_a_missing_topic_a_wrong_broker_and_a_greedy_heap() {
        String text = DeployFiles.read(DeployFiles.path(COMPOSE_FILE));
        JsonNode noDlq = DeployFiles.interpolate(DeployFiles.yamlDocuments(
                text.replace("create --topic inference-dead-letters", "create --topic dead-letters")).get(0), Map.of());
        assertThat(composeProblems(noDlq)).anyMatch(p -> p.contains("inference-dead-letters is not created"));

        JsonNode oldBroker = DeployFiles.compose();
        service(oldBroker, "kafka").put("image", "apache/kafka:3.9.1");
        assertThat(composeProblems(oldBroker)).anyMatch(p -> p.contains("apache/kafka:3.9.1"));

        JsonNode typo = DeployFiles.compose();
        ((ObjectNode) service(typo, "kafka").path("environment")).put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION", "1");
        assertThat(composeProblems(typo)).anyMatch(p -> p.contains("no broker setting"));

        JsonNode greedy = DeployFiles.compose();
        ((ObjectNode) service(greedy, "streamformer-1").path("environment"))
                .put("STREAMFORMER_JAVA_OPTS", "-XX:MaxRAMPercentage=90");
        assertThat(composeProblems(greedy)).anyMatch(p -> p.contains("leaves less than 512 MiB"));

        JsonNode staying = DeployFiles.compose();
        ((ObjectNode) service(staying, "streamformer-1").path("environment"))
                .put("STREAMFORMER_SHUTDOWN_LEAVE_GROUP", "false");
        assertThat(composeProblems(staying)).anyMatch(p -> p.contains("without group.instance.id"));

        JsonNode elsewhere = DeployFiles.compose();
        ((ObjectNode) service(elsewhere, "streamformer-2").path("environment"))
                .put("STREAMFORMER_KAFKA_BOOTSTRAP_SERVERS", "localhost:29092");
        assertThat(composeProblems(elsewhere)).anyMatch(p -> p.contains("not an advertised listener"));
    }
}
