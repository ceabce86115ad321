package io.streamformer.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.accelerator.weights.WeightPolicy;
import io.streamformer.app.config.RequiredAcls;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.inference.EngineWarmUp;
import io.streamformer.app.inference.InferenceService;
import io.streamformer.app.ops.OpsServer;
import io.streamformer.app.streams.DeadLetterFailures;
import io.streamformer.app.streams.DeadLetterProductionHandler;
import io.streamformer.app.streams.StreamFormerTopology;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.streamformer.app.config.StreamFormerConfig.*;

/**
 * The standalone app: one engine and inference thread, the StreamFormer topology in a {@link KafkaStreams}
 * instance, and the operations endpoints. {@link #close()} shuts down in order: Kafka Streams first (it
 * commits, and its tasks cancel their requests; unfinished ones stay in the store), then the inference thread,
 * the engine and the HTTP server.
 */
public final class StreamFormerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFormerApp.class);

    private final StreamFormerConfig config;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics jvmGc;
    private final Engine engine;
    private final InferenceService inference;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final OpsServer ops;
    private final StreamThreadFailures threadFailures;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;

    private StreamFormerApp(StreamFormerConfig config, PrometheusMeterRegistry registry, JvmGcMetrics jvmGc,
                            Engine engine, InferenceService inference, KafkaStreams streams,
                            KafkaStreamsMetrics streamsMetrics, OpsServer ops, StreamThreadFailures threadFailures) {
        this.config = config;
        this.registry = registry;
        this.jvmGc = jvmGc;
        this.engine = engine;
        this.inference = inference;
        this.streams = streams;
        this.streamsMetrics = streamsMetrics;
        this.ops = ops;
        this.threadFailures = threadFailures;
    }

    /** Loads the model, starts the inference thread, Kafka Streams and the HTTP endpoints. */
    public static StreamFormerApp start(StreamFormerConfig config) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JvmGcMetrics jvmGc = bindJvmMetrics(registry);
        Engine engine;
        try {
            engine = loadEngine(config);
        } catch (RuntimeException e) {
            jvmGc.close();
            registry.close();
            throw e;
        }
        InferenceService inference = null;
        KafkaStreams streams = null;
        DeadLetterFailures deadLetterFailures = new DeadLetterFailures();
        StreamThreadFailures threadFailures = new StreamThreadFailures(config.getInt(STREAM_THREAD_MAX_REPLACEMENTS),
                config.streamsProperties().containsKey(StreamsConfig.APPLICATION_ID_CONFIG)
                        ? RequiredAcls.of(config) : List.of());
        KafkaStreamsMetrics streamsMetrics = null;
        try {
            SchedulerLimits limits = limits(config, engine.encoderDecoder());
            // before any traffic: compiled kernels and sized buffers for the first request already
            EngineWarmUp.run(engine, limits, config.getInt(WARMUP_STEPS));
            inference = InferenceService.start(engine, config.modelId(), limits, config.getLong(DEBUG_STEP_DELAY_MS),
                    registry);
            Topology topology = StreamFormerTopology.builder(inference)
                    .inputTopic(config.inputTopic())
                    .outputTopic(config.outputTopic())
                    .deadLetterTopic(config.deadLetterTopic())
                    .serdes(serdes(config))
                    .emitInterval(Duration.ofMillis(config.getLong(EMIT_INTERVAL_MS)))
                    .checkpointInterval(Duration.ofMillis(config.getLong(CHECKPOINT_INTERVAL_MS)))
                    .intakeMaxBlock(Duration.ofMillis(config.getLong(INTAKE_MAX_BLOCK_MS)))
                    .maxRequestBytes(config.getInt(REQUEST_MAX_BYTES))
                    .deadLetterMaxRecordBytes(deadLetterMaxRecordBytes(config))
                    .deadLetterFailures(deadLetterFailures)
                    .build();
            streams = new KafkaStreams(topology, streamsProperties(config, registry, deadLetterFailures));
            streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
            streams.setUncaughtExceptionHandler(threadFailures);
            OpsServer ops = startOps(config, registry, inference, streams);
            StreamFormerApp app = new StreamFormerApp(config, registry, jvmGc, engine, inference, streams,
                    streamsMetrics, ops, threadFailures);
            streams.setStateListener((now, before) -> {
                LOG.info("Kafka Streams: {} -> {}", before, now);
                if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                    app.stopped.countDown();
                }
            });
            streams.start();
            LOG.info("StreamFormer is consuming {} (model {}, {}), results to {}, dead letters to {}",
                    config.inputTopic(), config.modelId(), engine.model().getClass().getSimpleName(),
                    config.outputTopic(), config.deadLetterTopic());
            return app;
        } catch (RuntimeException e) {
            if (streamsMetrics != null) {
                streamsMetrics.close();
            }
            if (streams != null) {
                streams.close(Duration.ZERO);
            }
            if (inference != null) {
                inference.close();
            }
            engine.close();
            jvmGc.close();
            registry.close();
            throw e;
        }
    }

    /**
     * The Kafka Streams properties, with the app's production exception handler unless the configuration names
     * one: it skips (and counts) a dead letter the producer refuses instead of stopping the instance.
     */
    static Properties streamsProperties(StreamFormerConfig config, MeterRegistry registry,
                                        DeadLetterFailures failures) {
        Properties props = config.streamsProperties();
        if (!props.containsKey(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG)
                && !props.containsKey(StreamsConfig.DEFAULT_PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG)) {
            props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class);
            props.put(DeadLetterProductionHandler.DLQ_TOPIC, config.deadLetterTopic());
            props.put(DeadLetterProductionHandler.REGISTRY, registry);
            props.put(DeadLetterProductionHandler.FAILURES, failures);
        }
        return props;
    }

    /**
     * The size bound of dead-letter records: the smaller of the producer's {@code max.request.size} and the
     * dead-letter topic's {@code max.message.bytes} (asked of the cluster; if that fails, the producer's alone), and
     * of {@link StreamFormerConfig#DLQ_MAX_RECORD_BYTES} when that is set.
     */
    static int deadLetterMaxRecordBytes(StreamFormerConfig config) {
        Properties props = config.streamsProperties();
        Object producerLimit = props.getOrDefault(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                props.getOrDefault(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20));
        int limit = Integer.parseInt(producerLimit.toString().trim());
        int configured = config.getInt(DLQ_MAX_RECORD_BYTES);
        if (configured > limit) {
            LOG.warn("{}={} is more than the producer's max.request.size ({}): dead letters are kept under the latter",
                    DLQ_MAX_RECORD_BYTES, configured, limit);
        } else if (configured > 0) {
            limit = configured;
        }
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, config.deadLetterTopic());
        try (Admin admin = Admin.create(adminConfig(props))) {
            ConfigEntry entry = admin.describeConfigs(List.of(topic), new DescribeConfigsOptions().timeoutMs(15_000))
                    .all().get(20, TimeUnit.SECONDS).get(topic).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            if (entry != null && entry.value() != null) {
                limit = Math.min(limit, Integer.parseInt(entry.value()));
            }
        } catch (Exception e) {
            LOG.warn("Could not read max.message.bytes of the dead-letter topic {} ({}); dead letters are kept under"
                    + " {} bytes", config.deadLetterTopic(), e.getCause() != null ? e.getCause() : e, limit);
        }
        LOG.info("Dead letters keep their original bytes up to a record size of {} bytes", limit);
        return limit;
    }

    /**
     * The settings of an admin client as Kafka Streams makes them: with {@code config.providers} resolved (a
     * {@code ${env:NAME}} password, say), {@code admin.}-prefixed keys applied, and only the admin client's keys. (Copying
     * the properties by hand lost {@code config.providers.<name>.class}: a referenced password stayed unresolved.)
     */
    static Map<String, Object> adminConfig(Properties streamsProperties) {
        return new StreamsConfig(streamsProperties).getAdminConfigs(
                streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-dead-letter-limit");
    }

    /**
     * JVM memory (heap and non-heap pools, buffers), garbage collection (pauses, allocation, promotion, live data),
     * threads, and CPU (process and system usage, load average). The GC binder listens to the JVM's GC
     * notifications until it is closed; the others read on scrape and end with the registry.
     */
    private static JvmGcMetrics bindJvmMetrics(PrometheusMeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    static Engine loadEngine(StreamFormerConfig config) {
        Path dir = Path.of(config.modelDir());
        Backend backend = Backends.create(config.getString(BACKEND), config.getInt(BACKEND_DEVICE));
        LOG.info("Loading model {} from {} on {}", config.modelId(), dir, backend.device());
        long start = System.nanoTime();
        try {
            Engine engine = Engine.load(dir, backend, WeightPolicy.parse(config.getString(MODEL_WEIGHTS)),
                    loadProgress());
            LOG.info("Model loaded in {} ms: {} parameters, source vocabulary {}, target vocabulary {}",
                    (System.nanoTime() - start) / 1_000_000, engine.info().parameterCount(),
                    engine.info().sourceVocabSize(), engine.info().targetVocabSize());
            return engine;
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Logs loading progress at each quarter. */
    private static ProgressListener loadProgress() {
        int[] lastQuarter = {0};
        return (done, total, what) -> {
            int quarter = total > 0 ? (int) (4 * done / total) : 0;
            if (quarter > lastQuarter[0] && quarter < 4) {
                lastQuarter[0] = quarter;
                LOG.info("Loading weights: {}%", quarter * 25);
            }
        };
    }

    /**
     * The engine's limits from the configuration. A translation model's decoder holds the start token and the new
     * tokens; a language model's holds its prompt (the input) and the new tokens.
     */
    public static SchedulerLimits limits(StreamFormerConfig config, boolean encoderDecoder) {
        int maxInput = config.getInt(REQUEST_MAX_INPUT_TOKENS);
        int maxNew = config.getInt(REQUEST_MAX_NEW_TOKENS);
        return new SchedulerLimits(config.getInt(BATCH_MAX_REQUESTS), config.getInt(BATCH_MAX_SEQUENCES), maxInput,
                encoderDecoder ? maxNew + 1 : maxInput + maxNew, config.getLong(BATCH_MAX_TOKENS),
                config.getInt(QUEUE_MAX_REQUESTS), config.getInt(BATCH_MAX_PREFILL_TOKENS));
    }

    static StreamFormerSerdes serdes(StreamFormerConfig config) {
        if (config.getString(SERDE_FORMAT).equals(FORMAT_CONFLUENT)) {
            String url = config.getString(SCHEMA_REGISTRY_URL);
            if (url.isEmpty()) {
                throw new org.apache.kafka.common.config.ConfigException(SCHEMA_REGISTRY_URL
                        + " is required with " + SERDE_FORMAT + "=" + FORMAT_CONFLUENT);
            }
            return StreamFormerSerdes.registry(url);
        }
        return StreamFormerSerdes.singleObject();
    }

    private static OpsServer startOps(StreamFormerConfig config, PrometheusMeterRegistry registry,
                                      InferenceService inference, KafkaStreams streams) {
        int port = config.getInt(HTTP_PORT);
        if (port < 0) {
            return null;
        }
        try {
            return OpsServer.start(config.getString(HTTP_HOST), port, registry,
                    () -> liveness(inference, streams), () -> readiness(streams));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the HTTP port " + port + " (" + HTTP_PORT + ")", e);
        }
    }

    private static OpsServer.Health liveness(InferenceService inference, KafkaStreams streams) {
        KafkaStreams.State s = streams.state();
        if (!inference.isAlive()) {
            return new OpsServer.Health(false, "the inference thread has stopped");
        }
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR) {
            return new OpsServer.Health(false, "Kafka Streams is " + s);
        }
        return new OpsServer.Health(true, "Kafka Streams is " + s + ", inference thread alive");
    }

    private static OpsServer.Health readiness(KafkaStreams streams) {
        KafkaStreams.State s = streams.state();
        return new OpsServer.Health(s == KafkaStreams.State.RUNNING, "Kafka Streams is " + s);
    }

    public KafkaStreams streams() {
        return streams;
    }

    public InferenceService inference() {
        return inference;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The HTTP port, or -1 when the endpoints are off. */
    public int httpPort() {
        return ops != null ? ops.port() : -1;
    }

    /** Why Kafka Streams was shut down after a failure (a missing permission, repeated thread failures), or null. */
    public String failureReason() {
        return threadFailures.fatalReason();
    }

    /** Blocks until Kafka Streams stops (closed, or failed); true if it failed. */
    public boolean awaitStop() throws InterruptedException {
        stopped.await();
        return streams.state() == KafkaStreams.State.ERROR;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("Shutting down: closing Kafka Streams (commits, then cancels the tasks' requests)");
        CloseOptions options = CloseOptions.timeout(Duration.ofMillis(config.getLong(SHUTDOWN_TIMEOUT_MS)))
                .withGroupMembershipOperation(config.getBoolean(SHUTDOWN_LEAVE_GROUP)
                        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                        : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
        boolean clean = streams.close(options);
        if (!clean) {
            LOG.warn("Kafka Streams did not close within {} ms", config.getLong(SHUTDOWN_TIMEOUT_MS));
        }
        streamsMetrics.close();
        inference.close();
        engine.close();
        if (ops != null) {
            ops.close();
        }
        jvmGc.close();
        registry.close();
        stopped.countDown();
        LOG.info("Stopped");
    }
}
