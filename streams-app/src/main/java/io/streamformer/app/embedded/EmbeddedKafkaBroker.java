package io.streamformer.app.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * A single-node Kafka cluster in this JVM, in KRaft mode (broker and controller in one server), for the demo,
 * the Kafka bench, the {@code broker} command and the tests. Its storage is formatted in code, the way
 * {@code kafka-storage format} does: in a temporary directory deleted on {@link #close()}, or in a given data
 * directory that is kept (a broker started again on it finds its topics, offsets and transactions). Internal
 * topics use replication factor 1.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path logDir;
    private final boolean deleteOnClose;
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(Path logDir, boolean deleteOnClose, KafkaRaftServer server, String bootstrapServers) {
        this.logDir = logDir;
        this.deleteOnClose = deleteOnClose;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh temporary storage directory and starts the server on free ports. */
    public static EmbeddedKafkaBroker start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where the broker listens, where it keeps its data and any other broker setting. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private Path dataDir;
        private final Properties overrides = new Properties();

        /** The client port (0: a free one). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The KRaft controller's port (0: a free one). */
        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** A data directory to keep; formatted when empty, reused as it is otherwise. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Any broker property, e.g. listeners and security settings; wins over the defaults. */
        public Builder property(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** Starts the server; returns once it accepts connections. */
        public EmbeddedKafkaBroker start() {
            return EmbeddedKafkaBroker.start(this);
        }
    }

    private static EmbeddedKafkaBroker start(Builder b) {
        long startNanos = System.nanoTime();
        Path dir = b.dataDir;
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("streamformer-kafka-");
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int brokerPort = b.port > 0 ? b.port : freePort();
        int controllerPort = b.controllerPort > 0 ? b.controllerPort : freePort();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        // one node: every internal topic with one replica, few partitions (fast start)
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        p.putAll(b.overrides);
        KafkaConfig config = KafkaConfig.fromProps(p);
        boolean formatted = Files.isRegularFile(dir.resolve("meta.properties"));
        if (!formatted) {
            format(config, dir);
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        String advertised = p.getProperty("advertised.listeners");
        String bootstrap = advertised.substring(advertised.indexOf("://") + 3).split(",")[0];
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, b.dataDir == null, server, bootstrap);
        if (!b.overrides.containsKey("listeners")) {
            broker.awaitReady(); // with other listeners (security), the caller knows how to connect
        }
        LOG.info("Kafka broker (KRaft, in-process) ready on {} in {} ms ({} storage in {})", broker.bootstrapServers,
                (System.nanoTime() - startNanos) / 1_000_000, formatted ? "existing" : "new", dir);
        return broker;
    }

    /** What {@code kafka-storage format --cluster-id ID --config ...} does, for a static controller quorum. */
    private static void format(KafkaConfig config, Path dir) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(output, true))
                    .setNodeId(config.nodeId())
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setHasDynamicQuorum(false)
                    .setDirectories(List.of(dir.toString()))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("formatting the broker's storage in " + dir + " failed: " + e.getMessage()
                    + " (" + output + ")", e);
        }
    }

    private void awaitReady() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the embedded broker did not come up: " + e.getCause(), e);
        }
    }

    /** A port nothing listens on now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Creates topics with the given partition count (replication factor 1), waiting until they exist. */
    public void createTopics(int partitions, String... topics) {
        try (Admin admin = admin()) {
            admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, partitions, (short) 1)).toList()).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + List.of(topics) + ": " + e.getCause(), e);
        }
    }

    /** The data directory. */
    public Path dataDir() {
        return logDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (!deleteOnClose) {
            return;
        }
        try (Stream<Path> files = Files.walk(logDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", logDir, e.toString());
        }
    }
}
