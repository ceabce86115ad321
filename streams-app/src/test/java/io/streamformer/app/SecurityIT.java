package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.RequiredAcls;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import io.streamformer.app.ops.OpsServer;
import io.streamformer.app.testing.ChildApp;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.SecuredBroker;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TestCertificates;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.app.testing.TopicReader;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The app against a broker secured as production clusters are ({@link SecuredBroker}: TLS from a throwaway CA,
 * SCRAM-SHA-512 over SASL_SSL, mutual TLS, Kafka's StandardAuthorizer), in a child JVM with exactly-once and only
 * its own principal, which has exactly the ACLs of {@link RequiredAcls}: every request is answered once, as the
 * engine answers it; a missing ACL or a wrong password stops the app with one line that says what is wrong, and
 * nothing half-done becomes visible; no password shows up in the app's log (Kafka's clients logging at INFO) or
 * in /metrics.
 */
class SecurityIT {
    private static final Logger LOG = LoggerFactory.getLogger(SecurityIT.class);
    /** The variable the app's configuration file refers to with ${env:NAME} (Kafka's EnvVarConfigProvider). */
    private static final String SCRAM_PASSWORD_VARIABLE = "SECURITY_IT_SCRAM_PASSWORD";
    /** A directory of secret files, as Kubernetes mounts a Secret; read with ${dir:DIR:FILE} (DirectoryConfigProvider). */
    private static Path secretDir;
    private static final int DLQ_MAX_MESSAGE_BYTES = 654_321;

    private static Path dir;
    private static SecuredBroker broker;
    private static Engine engine;
    private static Path logback;

    @BeforeAll
    static void start() throws Exception {
        dir = TestApps.tempDir("security-it-");
        broker = SecuredBroker.start(dir);
        engine = TinyModel.load();
        secretDir = Files.createDirectories(dir.resolve("kafka-ca-secret"));
        Files.writeString(secretDir.resolve("ca.password"), broker.certificates().truststorePassword());
        // Kafka's clients at INFO (their configuration dumps included) and their security code at DEBUG: more to
        // search for secrets than the app's default logging, which has Kafka at WARN
        logback = dir.resolve("logback-verbose-kafka.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.kafka" level="INFO"/>
                  <logger name="org.apache.kafka.common.security" level="DEBUG"/>
                  <logger name="org.apache.kafka.common.config" level="DEBUG"/>
                  <root level="INFO"><appender-ref ref="STDERR"/></root>
                </configuration>
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void scramSha512OverSaslSslWithOnlyTheAppsAclsAnswersEveryRequestOnceAndLogsNoSecret() throws Exception {
        String name = "sec-scram";
        String appPassword = TestCertificates.password("scram-app");
        Properties props = scramApp(name, "sec-scram-app", appPassword, true);
        Client client = client(name);
        List<InferenceRequest> requests = TinyModel.mixedRequests(12, 41, 5, 25);

        try (ChildApp app = start(props, Map.of(SCRAM_PASSWORD_VARIABLE, appPassword));
             RequestClient requestClient = client.open()) {
            requests.forEach(requestClient::send);
            requestClient.sendRaw("not-avro".getBytes(StandardCharsets.UTF_8), new byte[]{1, 2, 3});
            requestClient.flush();
            RequestClient.Received got = collect(app, requestClient, requests.size(), 1);
            Results.assertExactlyOneEach(requests, got.results(), engine);
            assertThat(got.deadLetters()).hasSize(1);
            // DESCRIBE_CONFIGS on the dead-letter topic: the app read its limit, logged in with ${env:...} and ${dir:...}
            assertThat(app.log()).contains("Dead letters keep their original bytes up to a record size of "
                    + DLQ_MAX_MESSAGE_BYTES + " bytes");

            String metrics = metricsOf(props);
            String log = stopped(app);
            List<String> secrets = List.of(appPassword, broker.certificates().truststorePassword());
            assertNoSecrets(log, metrics, List.of("sasl.jaas.config = [hidden]", "ssl.truststore.password = [hidden]"),
                    secrets);
            assertThat(Files.readString(configFile(props)))
                    .as("the configuration file refers to the password, it does not hold it")
                    .doesNotContain(appPassword).contains("${env:" + SCRAM_PASSWORD_VARIABLE + "}");
        }
    }

    @Test
    void mutualTlsWithThePrincipalFromTheClientCertificateAnswersEveryRequestOnceAndLogsNoSecret() throws Exception {
        String name = "sec-mtls";
        TestCertificates.Identity appIdentity = broker.certificates().issue("sec-mtls-app",
                "CN=sec-mtls-app,OU=apps,O=StreamFormer tests", false, "JKS");
        TestCertificates.Identity clientIdentity = broker.certificates().issue("sec-mtls-client",
                "CN=sec-mtls-client,OU=apps,O=StreamFormer tests", false, "PKCS12");
        broker.createTopics(2, Map.of(), name + "-in", name + "-out");
        broker.createTopics(1, Map.of("max.message.bytes", String.valueOf(DLQ_MAX_MESSAGE_BYTES)), name + "-dlq");
        // ssl.principal.mapping.rules: the principal is the certificate's CN
        Properties props = TestApps.config("set-by-the-environment:9092", name + "-app", name);
        props.put(StreamFormerConfig.HTTP_PORT, String.valueOf(EmbeddedKafkaBroker.freePort()));
        props.put("security.protocol", "SSL");
        props.put("ssl.keystore.type", appIdentity.type());
        props.put("ssl.keystore.location", appIdentity.keystore().toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", broker.certificates().truststore().toString());
        broker.grant(RequiredAcls.bindings("User:sec-mtls-app", RequiredAcls.of(config(props))));
        broker.grant(clientAcls("User:sec-mtls-client", name));
        // the passwords (and the bootstrap servers) come from the environment: STREAMFORMER_KAFKA_<KEY>
        Map<String, String> env = Map.of(
                "STREAMFORMER_KAFKA_BOOTSTRAP_SERVERS", broker.mtlsBootstrapServers(),
                "STREAMFORMER_KAFKA_SSL_KEYSTORE_PASSWORD", appIdentity.storePassword(),
                "STREAMFORMER_KAFKA_SSL_KEY_PASSWORD", appIdentity.keyPassword(),
                "STREAMFORMER_KAFKA_SSL_TRUSTSTORE_PASSWORD", broker.certificates().truststorePassword());
        assertThat(appIdentity.keyPassword()).isNotEqualTo(appIdentity.storePassword());
        List<InferenceRequest> requests = TinyModel.mixedRequests(9, 43, 5, 25);

        try (ChildApp app = start(props, env);
             RequestClient client = new RequestClient(broker.mtlsBootstrapServers(), name + "-in", name + "-out",
                     name + "-dlq", StreamFormerSerdes.singleObject(), broker.mtlsClient(clientIdentity))) {
            requests.forEach(client::send);
            client.sendRaw("not-avro".getBytes(StandardCharsets.UTF_8), new byte[]{4, 5, 6});
            client.flush();
            RequestClient.Received got = collect(app, client, requests.size(), 1);
            Results.assertExactlyOneEach(requests, got.results(), engine);
            assertThat(got.deadLetters()).hasSize(1);
            assertThat(app.log()).contains("Dead letters keep their original bytes up to a record size of "
                    + DLQ_MAX_MESSAGE_BYTES + " bytes");

            String metrics = metricsOf(props);
            String log = stopped(app);
            assertNoSecrets(log, metrics, List.of("ssl.keystore.password = [hidden]", "ssl.key.password = [hidden]",
                    "ssl.truststore.password = [hidden]"), List.of(appIdentity.storePassword(),
                    appIdentity.keyPassword(), broker.certificates().truststorePassword()));
        }

        // nobody without a certificate of the CA gets in
        Map<String, Object> noCertificate = new HashMap<>(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.mtlsBootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SSL",
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", broker.certificates().truststore().toString(),
                "ssl.truststore.password", broker.certificates().truststorePassword()));
        try (Admin admin = Admin.create(noCertificate)) {
            assertThatThrownBy(() -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(20_000)).nodes()
                    .get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    void aMissingAclStopsTheAppWithOneLineNamingItAndNothingHalfDoneIsVisible() throws Exception {
        String name = "sec-noacl";
        String appPassword = TestCertificates.password("scram-noacl");
        Properties props = scramApp(name, "sec-noacl-app", appPassword, false);
        List<RequiredAcls.Permission> needed = RequiredAcls.of(config(props));
        AclBinding writeResults = needed.stream()
                .filter(p -> p.resourceType() == ResourceType.TOPIC && p.name().equals(name + "-out")
                        && p.operation() == AclOperation.WRITE)
                .findFirst().orElseThrow().binding("User:sec-noacl-app");
        List<AclBinding> allButOne = new ArrayList<>(RequiredAcls.bindings("User:sec-noacl-app", needed));
        allButOne.remove(writeResults);
        broker.grant(allButOne);
        Client client = client(name);
        List<InferenceRequest> requests = TinyModel.mixedRequests(6, 47, 5, 25);
        Map<String, String> env = Map.of(SCRAM_PASSWORD_VARIABLE, appPassword);

        try (RequestClient requestClient = client.open()) {
            try (ChildApp app = start(props, env)) {
                requests.forEach(requestClient::send);
                requestClient.flush();
                Integer exit = app.awaitExit(Duration.ofSeconds(120));
                assertThat(exit).as("exit code; the log:\n%s", app.log()).isEqualTo(1);
                String line = failureLine(app.log());
                assertThat(line).as("the one line the app ends with").contains("lack of permission")
                        .contains(name + "-out").contains("WRITE on TOPIC " + name + "-out");
                assertNoSecrets(app.log(), "", List.of(), List.of(appPassword));
            }
            // exactly-once: what the failed transactions wrote was aborted, so a read_committed reader sees nothing
            try (TopicReader results = new TopicReader(broker.setupBootstrapServers(), name + "-out")) {
                assertThat(results.readAtLeast(1, Duration.ofSeconds(3), Duration.ZERO)).isEmpty();
            }
            assertThat(requestClient.poll(Duration.ofMillis(500)).results()).isEmpty();

            // granted, the same app answers every request once: nothing was lost either
            broker.grant(List.of(writeResults));
            try (ChildApp app = start(props, env)) {
                RequestClient.Received got = collect(app, requestClient, requests.size(), 0);
                Results.assertExactlyOneEach(requests, got.results(), engine);
                stopped(app);
            }
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithOneLineThatSaysSo() throws Exception {
        String name = "sec-badpw";
        String password = TestCertificates.password("scram-right");
        String wrong = TestCertificates.password("scram-wrong");
        Properties props = scramApp(name, "sec-badpw-app", password, true);
        try (ChildApp app = start(props, Map.of(SCRAM_PASSWORD_VARIABLE, wrong))) {
            Integer exit = app.awaitExit(Duration.ofSeconds(120));
            assertThat(exit).as("exit code; the log:\n%s", app.log()).isEqualTo(1);
            assertThat(failureLine(app.log())).contains("Kafka authentication failed")
                    .contains("invalid credentials").contains("SCRAM-SHA-512").contains("sasl.jaas.config");
            assertNoSecrets(app.log(), "", List.of(), List.of(password, wrong));
        }
    }

    /**
     * Each ACL of {@link RequiredAcls} is needed: without it the app stops (or, for DESCRIBE_CONFIGS on the
     * dead-letter topic, warns that it cannot read the topic's limit). Runs the app once per ACL (a few minutes),
     * so only with {@code -Dstreamformer.test.acl.minimality=true}.
     */
    @Test
    void everyRequiredAclIsNeeded() throws Exception {
        assumeTrue(Boolean.getBoolean("streamformer.test.acl.minimality"), "-Dstreamformer.test.acl.minimality=true");
        int count = RequiredAcls.of("x", "x-in", "x-out", "x-dlq").size();
        List<String> outcomes = new ArrayList<>();
        List<String> notNeeded = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = "sec-min" + i;
            String user = name + "-app";
            String password = TestCertificates.password("scram-min");
            Properties props = scramApp(name, user, password, false);
            List<RequiredAcls.Permission> needed = RequiredAcls.of(config(props));
            RequiredAcls.Permission left = needed.get(i);
            List<AclBinding> acls = new ArrayList<>(RequiredAcls.bindings("User:" + user, needed));
            acls.remove(left.binding("User:" + user));
            broker.grant(acls);
            Client client = client(name);
            List<InferenceRequest> requests = TinyModel.mixedRequests(4, 53, 5, 10);
            String outcome;
            try (ChildApp app = start(props, Map.of(SCRAM_PASSWORD_VARIABLE, password));
                 RequestClient requestClient = client.open()) {
                requests.forEach(requestClient::send);
                requestClient.sendRaw("not-avro".getBytes(StandardCharsets.UTF_8), new byte[]{7});
                requestClient.flush();
                int results = 0;
                int letters = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (app.isAlive() && (results < requests.size() || letters < 1) && System.nanoTime() < deadline) {
                    RequestClient.Received got = requestClient.poll(Duration.ofMillis(200));
                    results += got.results().size();
                    letters += got.deadLetters().size();
                }
                Integer exit = app.awaitExit(Duration.ofSeconds(5));
                String log = app.log();
                if (exit != null) {
                    outcome = "exit " + exit + ": " + failureLine(log);
                } else if (log.contains("Could not read max.message.bytes")) {
                    outcome = "runs, warns: " + log.lines().filter(l -> l.contains("Could not read max.message.bytes"))
                            .findFirst().orElseThrow();
                } else if (results < requests.size() || letters < 1) {
                    outcome = "stalls: " + results + "/" + requests.size() + " results, " + letters + "/1 dead letters";
                } else {
                    outcome = "works without it";
                    notNeeded.add(left.toString());
                }
            }
            outcomes.add("without " + left + " -> " + outcome);
        }
        LOG.info("Each required ACL left out in turn:\n{}", String.join("\n", outcomes));
        assertThat(notNeeded).as(String.join("\n", outcomes)).isEmpty();
    }

    /** The line RunCommand ends a failed run with. */
    private static String failureLine(String log) {
        String line = log.lines().filter(l -> l.startsWith("streamformer: Kafka Streams stopped after a failure"))
                .findFirst().orElseThrow(() -> new AssertionError("no failure line in the log:\n" + log));
        LOG.info("The app stopped with: {}", line);
        return line;
    }

    // ---------------------------------------------------------------- configurations

    /** The app's configuration: SASL_SSL with SCRAM-SHA-512, passwords from the environment via ${env:NAME}. */
    private static Properties scramApp(String name, String user, String password, boolean grant) {
        broker.createTopics(2, Map.of(), name + "-in", name + "-out");
        broker.createTopics(1, Map.of("max.message.bytes", String.valueOf(DLQ_MAX_MESSAGE_BYTES)), name + "-dlq");
        broker.createScramUser(user, password);
        Properties props = TestApps.config(broker.scramBootstrapServers(), name + "-app", name);
        props.put(StreamFormerConfig.HTTP_PORT, String.valueOf(EmbeddedKafkaBroker.freePort()));
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", broker.certificates().truststore().toString());
        props.put("config.providers", "env,dir");
        props.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        props.put("config.providers.env.param.allowlist.pattern", "^SECURITY_IT_.*");
        props.put("config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        props.put("config.providers.dir.param.allowed.paths", secretDir.toString());
        props.put("ssl.truststore.password", "${dir:" + secretDir + ":ca.password}");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + user + "\" password=\"${env:" + SCRAM_PASSWORD_VARIABLE + "}\";");
        if (grant) {
            broker.grant(RequiredAcls.bindings("User:" + user, RequiredAcls.of(config(props))));
        }
        return props;
    }

    private static StreamFormerConfig config(Properties props) {
        return StreamFormerConfig.from(props, Map.of(), "test");
    }

    /** The test's own client: a SCRAM user that may write requests and read results and dead letters. */
    private record Client(String bootstrapServers, String name, Map<String, Object> settings) {
        RequestClient open() {
            return new RequestClient(bootstrapServers, name + "-in", name + "-out", name + "-dlq",
                    StreamFormerSerdes.singleObject(), settings);
        }
    }

    private static Client client(String name) {
        String user = name + "-client";
        String password = TestCertificates.password("scram-client");
        broker.createScramUser(user, password);
        broker.grant(clientAcls("User:" + user, name));
        return new Client(broker.scramBootstrapServers(), name, broker.scramClient(user, password));
    }

    /** What a producer of requests and a reader of results and dead letters needs. */
    static List<AclBinding> clientAcls(String principal, String name) {
        return List.of(
                acl(principal, ResourceType.TOPIC, name + "-in", PatternType.LITERAL, AclOperation.WRITE),
                acl(principal, ResourceType.TOPIC, name + "-out", PatternType.LITERAL, AclOperation.READ),
                acl(principal, ResourceType.TOPIC, name + "-dlq", PatternType.LITERAL, AclOperation.READ),
                acl(principal, ResourceType.GROUP, RequestClient.GROUP_PREFIX, PatternType.PREFIXED,
                        AclOperation.READ));
    }

    private static AclBinding acl(String principal, ResourceType type, String name, PatternType pattern,
                                  AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    // ---------------------------------------------------------------- running the app

    private static Path configFile(Properties props) {
        return dir.resolve(props.getProperty("application.id") + ".properties");
    }

    private static ChildApp start(Properties props, Map<String, String> env) throws Exception {
        Path file = configFile(props);
        // as an operator writes it (Properties.store would escape the ':' of ${env:NAME})
        try (Writer w = Files.newBufferedWriter(file)) {
            for (String key : new java.util.TreeSet<>(props.stringPropertyNames())) {
                w.write(key + "=" + props.getProperty(key) + "\n");
            }
        }
        return ChildApp.run(file, env, List.of("-Dlogback.configurationFile=" + logback));
    }

    /** Results and dead letters; on failure the app's log is part of the message. */
    private static RequestClient.Received collect(ChildApp app, RequestClient client, int results, int letters) {
        try {
            return Results.collect(client, results, letters, Duration.ofSeconds(120), Duration.ofSeconds(2));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nthe app " + (app.isAlive() ? "runs" : "has exited")
                    + "; its log:\n" + app.log(), e);
        }
    }

    private static String metricsOf(Properties props) {
        int port = Integer.parseInt(props.getProperty(StreamFormerConfig.HTTP_PORT));
        var response = TestApps.get(port, OpsServer.METRICS_PATH);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("streamformer_requests_completed_total");
        return response.body() + TestApps.get(port, OpsServer.LIVENESS_PATH).body()
                + TestApps.get(port, OpsServer.READINESS_PATH).body();
    }

    /** SIGTERM; the log once the app has stopped. */
    private static String stopped(ChildApp app) throws InterruptedException {
        assertThat(app.terminate()).as("exit code after SIGTERM").isIn(0, 143);
        return app.log();
    }

    /** No secret in the log or the endpoints' answers; {@code hidden}: lines that show Kafka's clients logged their settings. */
    private static void assertNoSecrets(String log, String endpoints, List<String> hidden, List<String> secrets) {
        for (String h : hidden) {
            assertThat(log).as("the check means something: Kafka's clients logged their configuration").contains(h);
        }
        for (String secret : secrets) {
            assertThat(log).as("the log").doesNotContain(secret);
            assertThat(endpoints).as("/metrics and /health").doesNotContain(secret);
        }
    }
}
