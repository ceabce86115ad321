package io.streamformer.app.deploy;

import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.ops.OpsServer;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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

import static io.streamformer.app.config.StreamFormerConfig.*;

/**
 * The rules that every deployment (image, docker compose, Kubernetes) must follow, each a function from what
 * a deployment file says to a list of problems (empty: fine), so that the tests can show each rule failing on
 * a broken copy. The truth comes from the app's code: {@link StreamFormerConfig#DEFINITION} for keys and
 * defaults, Kafka's own config definitions for Kafka keys.
 */
final class DeployChecks {
    /** Memory the JVM needs beyond its heap: RocksDB, thread stacks, metaspace, Kafka buffers, code cache. */
    static final long NON_HEAP_HEADROOM = 512L << 20;
    /** Time the JVM needs after Kafka Streams has closed (engine, HTTP server, exit). */
    static final long SHUTDOWN_MARGIN_MS = 10_000;

    private DeployChecks() {
    }

    // ---------------------------------------------------------------- configuration keys

    /** Kafka Streams, consumer, producer and admin keys, with the prefixes Kafka Streams accepts. */
    static final Set<String> KAFKA_KEYS = kafkaKeys();
    private static final List<String> CLIENT_PREFIXES = List.of(StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX);

    private static Set<String> kafkaKeys() {
        Set<String> keys = new HashSet<>(StreamsConfig.configDef().names());
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(ProducerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        return keys;
    }

    private static Set<String> topicKeys() {
        Set<String> keys = new HashSet<>();
        for (Field f : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().endsWith("_CONFIG") && f.getType() == String.class) {
                try {
                    keys.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return keys;
    }

    /** A config provider's class or parameter: config.providers.NAME.class, config.providers.NAME.param.KEY. */
    private static final Pattern CONFIG_PROVIDER_KEY = Pattern.compile("config\\.providers\\.[^.]+\\.(class|param\\..+)");

    static boolean isKafkaKey(String key) {
        if (KAFKA_KEYS.contains(key) || CONFIG_PROVIDER_KEY.matcher(key).matches()) {
            return true;
        }
        if (key.startsWith(StreamsConfig.TOPIC_PREFIX)) {
            return topicKeys().contains(key.substring(StreamsConfig.TOPIC_PREFIX.length()));
        }
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix) && KAFKA_KEYS.contains(key.substring(prefix.length()))) {
                return true;
            }
        }
        return false;
    }

    /** Every key of a configuration file: an app key defined in StreamFormerConfig, or a Kafka key. */
    static List<String> keyProblems(String origin, Properties props) {
        List<String> problems = new ArrayList<>();
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            if (key.startsWith(PREFIX)) {
                if (!DEFINITION.names().contains(key)) {
                    problems.add(origin + ": " + key + " is not a key of the app (StreamFormerConfig)");
                }
            } else if (!isKafkaKey(key)) {
                problems.add(origin + ": " + key + " is neither an app key nor a Kafka Streams/client key");
            }
        }
        return problems;
    }

    /**
     * The key an environment variable sets (StreamFormerConfig's rules), or null for one the app does not
     * read; STREAMFORMER_JAVA_OPTS (the launcher's and the image's JVM options) maps to "".
     */
    static String keyOfVariable(String name) {
        if (name.equals("STREAMFORMER_JAVA_OPTS")) {
            return "";
        }
        if (name.startsWith(ENV_KAFKA_PREFIX)) {
            return name.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        for (String key : DEFINITION.names()) {
            if (StreamFormerConfig.environmentVariable(key).equals(name)) {
                return key;
            }
        }
        return null;
    }

    /** Every STREAMFORMER_* variable maps to a key that exists (the app only warns about the others). */
    static List<String> environmentProblems(String origin, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            String key = keyOfVariable(name);
            if (key == null) {
                problems.add(origin + ": " + name + " maps to no app key (the app ignores it)");
            } else if (!key.isEmpty() && !key.startsWith(PREFIX) && !isKafkaKey(key)) {
                problems.add(origin + ": " + name + " sets " + key + ", which is no Kafka Streams/client key");
            }
        }
        return problems;
    }

    /** The configuration the app would run with: the file, then the environment, through the app's own code. */
    static StreamFormerConfig effectiveConfig(String origin, Properties props, Map<String, String> env) {
        return StreamFormerConfig.from(props, env, origin);
    }

    /** Keys, variables, and whether the app and Kafka Streams accept the values (types, ranges, enums). */
    static List<String> configProblems(String origin, Properties props, Map<String, String> env) {
        List<String> problems = new ArrayList<>(keyProblems(origin, props));
        problems.addAll(environmentProblems(origin, env));
        try {
            StreamFormerConfig cfg = effectiveConfig(origin, props, env);
            new StreamsConfig(cfg.streamsProperties());
            String backend = cfg.getString(BACKEND);
            if (!Set.of("jvm", "tornadovm").contains(backend)) {
                problems.add(origin + ": " + BACKEND + "=" + backend + " is no backend (jvm, tornadovm)");
            }
        } catch (ConfigException e) {
            problems.add(origin + ": the configuration is rejected: " + e.getMessage());
        }
        return problems;
    }

    static int intSetting(StreamFormerConfig cfg, String streamsKey) {
        Object value = cfg.streamsProperties().get(streamsKey);
        Object v = value != null ? value : StreamsConfig.configDef().defaultValues().get(streamsKey);
        return Integer.parseInt(String.valueOf(v).trim());
    }

    // ---------------------------------------------------------------- scaling

    /**
     * replicas x num.stream.threads <= partitions of the input topic (a task per partition, a task on one
     * thread: more threads than partitions sit idle), and standby replicas need other instances to live on.
     */
    static List<String> scalingProblems(String origin, int replicas, StreamFormerConfig cfg,
                                        Map<String, Integer> partitions) {
        List<String> problems = new ArrayList<>();
        Integer input = partitions.get(cfg.inputTopic());
        int threads = intSetting(cfg, StreamsConfig.NUM_STREAM_THREADS_CONFIG);
        int standbys = intSetting(cfg, StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG);
        if (input == null) {
            problems.add(origin + ": the input topic " + cfg.inputTopic() + " is not created with a partition count");
        } else if (replicas * threads > input) {
            problems.add(origin + ": " + replicas + " replicas x " + threads + " stream threads > " + input
                    + " partitions of " + cfg.inputTopic() + ": some would have no task");
        }
        if (replicas < 1) {
            problems.add(origin + ": no replicas");
        }
        if (standbys > replicas - 1) {
            problems.add(origin + ": num.standby.replicas=" + standbys + " needs at least " + (standbys + 1)
                    + " instances, there are " + replicas);
        }
        return problems;
    }

    /** The topics a deployment creates include the app's input, output and dead-letter topics. */
    static List<String> topicProblems(String origin, Set<String> created, StreamFormerConfig cfg) {
        List<String> problems = new ArrayList<>();
        for (String topic : List.of(cfg.inputTopic(), cfg.outputTopic(), cfg.deadLetterTopic())) {
            if (!created.contains(topic)) {
                problems.add(origin + ": the app's topic " + topic + " is not created (created: " + created + ")");
            }
        }
        return problems;
    }

    /**
     * Staying in the consumer group on shutdown (streamformer.shutdown.leave.group=false) pays off only with
     * static membership (group.instance.id): the restarted instance gets its partitions back without a
     * rebalance. Without it, the partitions just wait session.timeout.ms.
     */
    static List<String> membershipProblems(String origin, StreamFormerConfig cfg) {
        boolean isStatic = cfg.streamsProperties().getProperty("group.instance.id") != null;
        if (!isStatic && !cfg.getBoolean(SHUTDOWN_LEAVE_GROUP)) {
            return List.of(origin + ": " + SHUTDOWN_LEAVE_GROUP + "=false without group.instance.id: a stopped"
                    + " instance's partitions wait session.timeout.ms for nothing");
        }
        return List.of();
    }

    // ---------------------------------------------------------------- endpoints, shutdown, memory

    /** What an endpoint is used for, and the path the app serves it on. */
    enum Kind {
        LIVENESS(OpsServer.LIVENESS_PATH), READINESS(OpsServer.READINESS_PATH), METRICS(OpsServer.METRICS_PATH);

        final String appPath;

        Kind(String appPath) {
            this.appPath = appPath;
        }
    }

    /** An HTTP endpoint a deployment file points at: a probe, a healthcheck, a scrape annotation. */
    record Endpoint(String origin, Kind kind, int port, String path) {
    }

    static List<String> portProblems(List<Endpoint> endpoints, int appPort) {
        List<String> problems = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (e.port() != appPort) {
                problems.add(e.origin() + ": port " + e.port() + ", but the app listens on " + appPort + " ("
                        + HTTP_PORT + ")");
            }
        }
        return problems;
    }

    /** Endpoints whose path is not the one the app serves for their use (the running app is asked as well). */
    static List<String> pathProblems(List<Endpoint> endpoints) {
        List<String> problems = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (!e.path().equals(e.kind().appPath)) {
                problems.add(e.origin() + ": " + e.kind() + " endpoint " + e.path() + ", but the app serves it on "
                        + e.kind().appPath);
            }
        }
        return problems;
    }

    static int httpPort(StreamFormerConfig cfg) {
        return cfg.getInt(HTTP_PORT);
    }

    /** The orchestrator's grace period must cover the app's shutdown timeout, plus the JVM's exit. */
    static List<String> gracePeriodProblems(String origin, long graceMillis, StreamFormerConfig cfg) {
        long shutdown = cfg.getLong(SHUTDOWN_TIMEOUT_MS);
        if (graceMillis < shutdown + SHUTDOWN_MARGIN_MS) {
            return List.of(origin + ": grace period " + graceMillis + " ms < " + SHUTDOWN_TIMEOUT_MS + " " + shutdown
                    + " ms + " + SHUTDOWN_MARGIN_MS + " ms: the app would be killed while closing");
        }
        return List.of();
    }

    /**
     * The heap the JVM flags give in a container with this memory limit (-Xmx, else -XX:MaxRAMPercentage,
     * else the JVM's default 25%) must leave {@link #NON_HEAP_HEADROOM} for everything else.
     */
    static List<String> memoryProblems(String origin, List<String> jvmFlags, long limitBytes) {
        if (limitBytes <= 0) {
            return List.of(origin + ": no memory limit: the heap would be a share of the whole machine's memory");
        }
        double percentage = 25;
        Long xmx = null;
        for (String flag : jvmFlags) {
            if (flag.startsWith("-XX:MaxRAMPercentage=")) {
                percentage = Double.parseDouble(flag.substring("-XX:MaxRAMPercentage=".length()));
                xmx = null;
            } else if (flag.startsWith("-Xmx")) {
                xmx = bytes(flag.substring(4));
            }
        }
        long heap = xmx != null ? xmx : (long) (limitBytes * percentage / 100);
        if (limitBytes - heap < NON_HEAP_HEADROOM) {
            return List.of(origin + ": heap " + (heap >> 20) + " MiB of a " + (limitBytes >> 20)
                    + " MiB limit leaves less than " + (NON_HEAP_HEADROOM >> 20) + " MiB for RocksDB, threads and"
                    + " metaspace");
        }
        return List.of();
    }

    private static final Pattern QUANTITY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");

    /** Kubernetes quantities (2Gi, 512Mi, 2G), docker sizes (2g, 512m) and JVM sizes (1g, 512m). */
    static long bytes(String quantity) {
        Matcher m = QUANTITY.matcher(quantity.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: " + quantity);
        }
        double n = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "", "b", "B" -> 1L;
            case "k", "K", "Ki", "kb", "KB" -> 1L << 10;
            case "m", "M", "Mi", "mb", "MB" -> 1L << 20;
            case "g", "G", "Gi", "gb", "GB" -> 1L << 30;
            default -> throw new IllegalArgumentException("unknown unit in " + quantity);
        };
        return (long) (n * unit);
    }

    /** Go-style durations as docker compose writes them: 45s, 1m30s, 500ms. */
    static long durationMillis(String duration) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(duration);
        long total = 0;
        int end = 0;
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            end = m.end();
        }
        if (end != duration.length() || duration.isEmpty()) {
            throw new IllegalArgumentException("not a duration: " + duration);
        }
        return total;
    }

    /** The -XX:/-Xmx flags of an image's ENTRYPOINT script, then those of STREAMFORMER_JAVA_OPTS (later wins). */
    static List<String> jvmFlags(String entrypointScript, String javaOpts) {
        List<String> flags = new ArrayList<>();
        for (String token : (entrypointScript + " " + (javaOpts == null ? "" : javaOpts)).split("\\s+")) {
            if (token.startsWith("-XX:") || token.startsWith("-Xmx")) {
                flags.add(token);
            }
        }
        return flags;
    }
}
