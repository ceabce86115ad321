package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.app.config.RequiredAcls;
import io.streamformer.app.config.StreamFormerConfig;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A secured cluster in deploy/ and the documentation: the SASL_SSL overlay of deploy/k8s takes every secret from a
 * Kubernetes Secret and its KafkaUser holds exactly {@link RequiredAcls}; no deployment file holds a password; the
 * security example of the properties file is a configuration the app accepts; streams-app/README.md lists the
 * ACLs RequiredAcls lists.
 */
class SecurityDeploymentTest {
    static final String OVERLAY = "sasl-ssl";

    /** Kafka's client settings of type PASSWORD (sasl.jaas.config, ssl.keystore.password, ...): Kafka's own list. */
    static final Set<String> SECRET_KEYS = secretKeys();

    private static Set<String> secretKeys() {
        Set<String> keys = new TreeSet<>();
        for (ConfigDef def : List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef())) {
            def.configKeys().forEach((k, v) -> {
                if (v.type == ConfigDef.Type.PASSWORD) {
                    keys.add(k);
                }
            });
        }
        return keys;
    }

    private static final List<String> CLIENT_PREFIXES = List.of(StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.PRODUCER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX);

    /** A PASSWORD setting, also with a Kafka Streams client prefix (producer.ssl.key.password). */
    private static boolean isSecretKey(String key) {
        return SECRET_KEYS.contains(key) || CLIENT_PREFIXES.stream()
                .anyMatch(prefix -> key.startsWith(prefix) && SECRET_KEYS.contains(key.substring(prefix.length())));
    }

    /** A secret in a configuration file must be a reference that a config provider resolves: ${provider:...}. */
    static List<String> literalSecrets(String origin, Properties props) {
        List<String> problems = new ArrayList<>();
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            String value = props.getProperty(key).trim();
            if (isSecretKey(key) && !value.isEmpty() && !references(value)) {
                problems.add(origin + ": " + key + " holds a literal secret; refer to it (${env:NAME}, ${dir:DIR:FILE})");
            }
        }
        return problems;
    }

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{[a-z][\\w.-]*:[^}]+}");

    /** The value's secret part is a config provider reference: the whole value, or a JAAS password="${...}". */
    private static boolean references(String value) {
        if (REFERENCE.matcher(value).matches()) {
            return true;
        }
        Matcher password = Pattern.compile("password=\"([^\"]*)\"").matcher(value);
        return password.find() && REFERENCE.matcher(password.group(1)).matches();
    }

    /** Every container variable that sets a secret Kafka key takes its value from a Secret (secretKeyRef). */
    static List<String> secretsNotFromSecrets(String origin, JsonNode statefulSet) {
        List<String> problems = new ArrayList<>();
        for (JsonNode item : Deployments.container(statefulSet).path("env")) {
            String key = DeployChecks.keyOfVariable(item.path("name").asText());
            if (key != null && isSecretKey(key) && item.at("/valueFrom/secretKeyRef").isMissingNode()) {
                problems.add(origin + ": " + item.path("name").asText() + " sets " + key
                        + " without valueFrom.secretKeyRef");
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- the SASL_SSL overlay

    static JsonNode securedStatefulSet() {
        return DeployFiles.overlayStatefulSet(OVERLAY);
    }

    static StreamFormerConfig securedConfig(JsonNode sts) {
        return DeployChecks.effectiveConfig("overlay " + OVERLAY, Deployments.k8sProperties(DeployFiles.k8sBase(), sts),
                Deployments.containerEnvironment(sts));
    }

    @Test
    void the_sasl_ssl_overlay_logs_in_with_scram_over_tls_and_holds_together() {
        JsonNode sts = securedStatefulSet();
        assertThat(KubernetesTest.problems(DeployFiles.k8sBase(), sts, Deployments.DOCKERFILE)).isEmpty();
        Properties kafka = securedConfig(sts).streamsProperties();
        assertThat(kafka.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(kafka.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(kafka.getProperty("bootstrap.servers")).isEqualTo("my-cluster-kafka-bootstrap:9093");
        assertThat(kafka.getProperty("ssl.truststore.type")).isEqualTo("PKCS12");
        assertThat(secretsNotFromSecrets("overlay", sts)).isEmpty();
        assertThat(Deployments.containerEnvironment(sts)).containsKeys("STREAMFORMER_KAFKA_SASL_JAAS_CONFIG",
                "STREAMFORMER_KAFKA_SSL_TRUSTSTORE_PASSWORD");

        // the truststore file is the cluster CA's Secret, mounted read-only
        String truststore = kafka.getProperty("ssl.truststore.location");
        JsonNode mount = null;
        for (JsonNode m : Deployments.container(sts).path("volumeMounts")) {
            if (truststore.startsWith(m.path("mountPath").asText() + "/")) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mounted above " + truststore).isNotNull();
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        String volumeName = mount.path("name").asText();
        JsonNode volume = null;
        for (JsonNode v : sts.at("/spec/template/spec/volumes")) {
            if (v.path("name").asText().equals(volumeName)) {
                volume = v;
            }
        }
        assertThat(volume).isNotNull();
        assertThat(volume.at("/secret/secretName").asText()).isEqualTo("my-cluster-cluster-ca-cert");
        String file = truststore.substring(mount.path("mountPath").asText().length() + 1);
        List<String> paths = new ArrayList<>();
        volume.at("/secret/items").forEach(i -> paths.add(i.path("path").asText()));
        assertThat(paths).contains(file);
        // the password of that truststore comes from the same Secret
        JsonNode passwordRef = envItem(sts, "STREAMFORMER_KAFKA_SSL_TRUSTSTORE_PASSWORD").at("/valueFrom/secretKeyRef");
        assertThat(passwordRef.path("name").asText()).isEqualTo("my-cluster-cluster-ca-cert");
        assertThat(passwordRef.path("key").asText()).isEqualTo("ca.password");
    }

    private static JsonNode envItem(JsonNode sts, String name) {
        for (JsonNode item : Deployments.container(sts).path("env")) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("no variable " + name);
    }

    /** A KafkaUser's ACLs as "type name patternType operation", Strimzi's spelling. */
    static Set<String> kafkaUserAcls(JsonNode user) {
        Set<String> acls = new HashSet<>();
        for (JsonNode acl : user.at("/spec/authorization/acls")) {
            JsonNode r = acl.path("resource");
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            if (acl.has("operation")) {
                operations.add(acl.path("operation").asText());
            }
            for (String op : operations) {
                acls.add(r.path("type").asText() + " " + r.path("name").asText() + " "
                        + r.path("patternType").asText("literal") + " " + op);
            }
        }
        return acls;
    }

    /** RequiredAcls in Strimzi's spelling: topic, group, transactionalId; literal, prefix; Read, DescribeConfigs. */
    static Set<String> strimziAcls(List<RequiredAcls.Permission> permissions) {
        return permissions.stream().map(p -> camel(p.resourceType().name(), false) + " " + p.name() + " "
                        + (p.patternType() == PatternType.PREFIXED ? "prefix" : "literal") + " "
                        + camel(p.operation().name(), true))
                .collect(Collectors.toSet());
    }

    private static String camel(String enumName, boolean capitalFirst) {
        StringBuilder b = new StringBuilder();
        for (String part : enumName.toLowerCase(Locale.ROOT).split("_")) {
            b.append(b.isEmpty() && !capitalFirst ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return b.toString();
    }

    @Test
    void the_kafka_user_holds_exactly_the_acls_the_app_needs_and_its_secret_is_the_one_the_app_reads() {
        List<JsonNode> docs = DeployFiles.k8sOverlay(OVERLAY);
        JsonNode user = DeployFiles.find(docs, "KafkaUser", "streamformer");
        JsonNode sts = securedStatefulSet();
        assertThat(kafkaUserAcls(user)).isEqualTo(strimziAcls(RequiredAcls.of(securedConfig(sts))));
        assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
        assertThat(user.at("/metadata/labels").path("strimzi.io/cluster").asText()).isEqualTo("my-cluster");
        // the User Operator's Secret is named after the user
        assertThat(envItem(sts, "STREAMFORMER_KAFKA_SASL_JAAS_CONFIG").at("/valueFrom/secretKeyRef/name").asText())
                .isEqualTo(user.at("/metadata/name").asText());
        assertThat(strimziAcls(RequiredAcls.of("app", "in", "out", "dlq"))).contains("transactionalId app- prefix Write",
                "topic dlq literal DescribeConfigs", "group app literal Read");
    }

    @Test
    void no_deployment_file_holds_a_secret() {
        List<String> problems = new ArrayList<>();
        for (DeployConfigurationTest.Source s : DeployConfigurationTest.sources()) {
            problems.addAll(literalSecrets(s.origin(), s.file()));
            s.env().forEach((name, value) -> {
                String key = DeployChecks.keyOfVariable(name);
                if (key != null && isSecretKey(key) && !value.equals("valueFrom")) {
                    problems.add(s.origin() + ": " + name + " holds a literal secret");
                }
            });
        }
        for (JsonNode cm : DeployFiles.all(DeployFiles.k8sOverlay(OVERLAY), "ConfigMap")) {
            cm.path("data").properties().forEach(e -> problems.addAll(literalSecrets("ConfigMap " + e.getKey(),
                    DeployFiles.properties(e.getValue().asText()))));
        }
        for (String overlay : List.of("gpu", OVERLAY)) {
            problems.addAll(secretsNotFromSecrets(overlay, DeployFiles.overlayStatefulSet(overlay)));
        }
        problems.addAll(literalSecrets("the security example", securityExample()));
        assertThat(problems).isEmpty();
        assertThat(SECRET_KEYS).contains("sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.password",
                "ssl.key.password");
    }

    @Test
    void the_checks_catch_a_password_in_a_file_or_a_variable_without_a_secret() {
        Properties p = new Properties();
        p.setProperty("ssl.truststore.password", "changeit");
        p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"u\" password=\"hunter2\";");
        p.setProperty("producer.ssl.key.password", "k");
        p.setProperty("ssl.keystore.password", "${dir:/run/secrets/kafka:keystore.password}");
        assertThat(literalSecrets("file", p)).hasSize(3).anyMatch(x -> x.contains("ssl.truststore.password"))
                .anyMatch(x -> x.contains("sasl.jaas.config")).anyMatch(x -> x.contains("producer.ssl.key.password"));

        JsonNode sts = securedStatefulSet().deepCopy();
        ((ArrayNode) Deployments.container(sts).path("env")).addObject()
                .put("name", "STREAMFORMER_KAFKA_SSL_KEY_PASSWORD").put("value", "k");
        assertThat(secretsNotFromSecrets("mutated", sts)).singleElement().asString().contains("SSL_KEY_PASSWORD");

        JsonNode user = DeployFiles.find(DeployFiles.k8sOverlay(OVERLAY), "KafkaUser", "streamformer").deepCopy();
        ((ObjectNode) user.at("/spec/authorization/acls/0")).putArray("operations").add("Read").add("Write");
        assertThat(kafkaUserAcls(user)).isNotEqualTo(strimziAcls(RequiredAcls.of(securedConfig(securedStatefulSet()))));
    }

    // ---------------------------------------------------------------- the properties file's example

    /** The commented "#key=value" lines of the "--- Security" block of deploy/config/streamformer.properties. */
    static Properties securityExample() {
        String text = DeployFiles.read(DeployFiles.path("deploy/config/streamformer.properties"));
        int start = text.indexOf("# --- Security");
        assertThat(start).as("a Security block").isNotNegative();
        int end = text.indexOf("# ---", start + 1);
        StringBuilder example = new StringBuilder();
        for (String line : text.substring(start, end < 0 ? text.length() : end).split("\n")) {
            if (line.matches("#[a-z][\\w.]*=.*")) {
                example.append(line.substring(1)).append('\n');
            }
        }
        return DeployFiles.properties(example.toString());
    }

    @Test
    void the_security_example_of_the_properties_file_is_a_configuration_the_app_accepts(@TempDir Path secrets)
            throws Exception {
        Properties example = securityExample();
        assertThat(example.stringPropertyNames()).contains("security.protocol", "sasl.mechanism", "sasl.jaas.config",
                "config.providers", "ssl.truststore.location", "ssl.truststore.password");
        // its secret directory here, so that the config providers resolve what it refers to
        String dir = "/run/secrets/kafka";
        assertThat(example.getProperty("ssl.truststore.password")).contains(dir);
        Files.writeString(secrets.resolve("ca.password"), "from-the-mounted-secret");
        example.replaceAll((k, v) -> v.toString().replace(dir, secrets.toString()));
        Properties file = DeployFiles.properties(DeployFiles.read(DeployFiles.path("deploy/config/streamformer.properties")));
        file.putAll(example);
        assertThat(DeployChecks.configProblems("the security example", file, Map.of())).isEmpty();
        Map<String, Object> resolved = new StreamsConfig(DeployChecks.effectiveConfig("example", file, Map.of())
                .streamsProperties()).originals();
        assertThat(resolved.get("ssl.truststore.password")).hasToString("from-the-mounted-secret");
    }

    // ---------------------------------------------------------------- the documentation

    /** RequiredAcls as the rows of the README's table, with placeholders for the names. */
    static List<String> aclRows() {
        return RequiredAcls.of("<application.id>", "<input topic>", "<output topic>", "<dead-letter topic>").stream()
                .map(p -> "| " + p.resourceType() + " | `" + p.name() + "` | "
                        + p.patternType().name().toLowerCase(Locale.ROOT) + " | " + p.operation() + " | " + p.why() + " |")
                .toList();
    }

    @Test
    void the_readme_lists_the_acls_the_app_needs() {
        String readme = DeployFiles.read(DeployFiles.path("streams-app/README.md"));
        int start = readme.indexOf("\n## Security");
        assertThat(start).as("streams-app/README.md has a Security section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        List<String> rows = readme.substring(start, end < 0 ? readme.length() : end).lines()
                .filter(l -> l.matches("\\| (TOPIC|GROUP|TRANSACTIONAL_ID|CLUSTER) \\|.*")).toList();
        assertThat(rows).containsExactlyElementsOf(aclRows());
    }
}
