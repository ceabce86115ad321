package io.streamformer.app.cli;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.DistributionSummary;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.Backends;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.ModelText;
import io.streamformer.app.BundledModels;
import io.streamformer.app.StreamFormerApp;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.embedded.BrokerProcess;
import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import io.streamformer.app.embedded.ProcessCpu;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import io.streamformer.app.streams.DecodeStates;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.Random;
import java.util.concurrent.Callable;

import static io.streamformer.app.config.StreamFormerConfig.*;

/**
 * {@code streamformer kafka-bench}: what Kafka costs, with the broker where users have it: in its own process (a
 * child {@code streamformer broker}, or any cluster given with {@code --bootstrap-servers}). Two modes:
 * <ul>
 *   <li>closed burst (default): the same M requests go once straight through the engine ({@code Engine.generate},
 *       continuous batching at the batch limit) and once through the whole app (produce, decode, store, batch
 *       across partitions, emit, exactly-once commit, read_committed consume), in alternating rounds: capacity.</li>
 *   <li>open loop ({@code --rate R --duration S}): requests leave at a steady rate whatever the results do, and
 *       the end-to-end latency of each (scheduled send → result read by a read_committed consumer) is reported as
 *       percentiles, with lost and duplicated results counted. {@code --rate 50%} measures the capacity with a
 *       burst first and sends at that share of it.</li>
 * </ul>
 * Both report the CPU the app's process and the broker's used.
 */
@Command(name = "kafka-bench", mixinStandardHelpOptions = true,
        description = {"Feeds requests through a Kafka broker in its own process and the app: a closed burst next to"
                + " the engine alone (capacity), or an open loop at --rate for --duration (latency percentiles);"
                + " reports requests/s, tokens/s, latency, mean batch and the CPU of app and broker."})
public final class KafkaBenchCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = BundledModels.TINY_MARIAN, paramLabel = "NAME|DIR",
            description = "A bundled model (tiny-marian, en-es) or a model directory (e.g. from create-model).")
    String model;

    @Option(names = "--requests", defaultValue = "200", paramLabel = "M", description = "Timed requests.")
    int requests;

    @Option(names = "--warmup", defaultValue = "32", paramLabel = "N", description = "Untimed requests first.")
    int warmup;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Requests decoded together at most.")
    int batch;

    @Option(names = "--src-len", defaultValue = "16", paramLabel = "L",
            description = "Source length in tokens (random ids; not with --text).")
    int srcLen;

    @Option(names = "--text", arity = "0..1", fallbackValue = "", paramLabel = "FILE",
            description = {"Text requests: English sentences (from FILE, one per line, or the demo's) sent as text,"
                    + " which the app tokenizes; the engine alone gets the same sentences tokenized. Needs a model"
                    + " with a tokenizer."})
    String text;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "T", description = "max_new_tokens of each request.")
    int newTokens;

    @Option(names = "--repeat", defaultValue = "2", paramLabel = "N",
            description = "Timed rounds of each, alternating; the best of each is compared. With --rate N%%: bursts"
                    + " measuring the capacity, the best counts.")
    int repeat;

    @Option(names = "--partitions", defaultValue = "4", paramLabel = "P", description = "Partitions of the input topic.")
    int partitions;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster (topics are created with fresh names) instead of starting a broker.")
    String bootstrapServers;

    @Option(names = "--broker", defaultValue = "process", paramLabel = "process|in-app",
            description = "Without --bootstrap-servers: a broker in a child process (default) or inside the app's JVM.")
    String brokerMode;

    @Option(names = "--rate", paramLabel = "R|N%",
            description = "Open loop: requests per second, or a share of the capacity a burst of --requests measures"
                    + " first (e.g. 50%%).")
    String rate;

    @Option(names = "--duration", defaultValue = "60", paramLabel = "S", description = "Open loop: seconds of load.")
    int duration;

    @Option(names = "--backend", defaultValue = Backends.DEFAULT, paramLabel = "NAME")
    String backend;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "An app or Kafka Streams setting for the Kafka run, e.g. --set commit.interval.ms=500.")
    Map<String, String> settings = new HashMap<>();

    @Option(names = "--verbose", description = "Show the app's and Kafka's logs.")
    boolean verbose;

    /**
     * One side of the comparison; CPU in cores (CPU seconds per second), NaN where not measured; the generated ids
     * of request i ({@code sequences}: a translation's decoder ids, a language model's new tokens).
     */
    record Run(String name, int requests, long tokens, double seconds, double meanBatch, double p50Ms, double p99Ms,
               double appCores, double brokerCores, List<List<Integer>> sequences) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /** Where the broker runs, and the CPU it has used (NaN when it is not this machine's child process). */
    private interface Cluster extends AutoCloseable {
        String bootstrapServers();

        double cpuSeconds();

        @Override
        void close();
    }

    private Cluster cluster() throws java.io.IOException {
        if (bootstrapServers != null) {
            return new Cluster() {
                public String bootstrapServers() {
                    return bootstrapServers;
                }

                public double cpuSeconds() {
                    return Double.NaN;
                }

                public void close() {
                }
            };
        }
        if (brokerMode.equals("in-app")) {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
            return new Cluster() {
                public String bootstrapServers() {
                    return broker.bootstrapServers();
                }

                public double cpuSeconds() {
                    return Double.NaN; // shares the app's process
                }

                public void close() {
                    broker.close();
                }
            };
        }
        if (!brokerMode.equals("process")) {
            throw new IllegalArgumentException("--broker must be process or in-app, not " + brokerMode);
        }
        System.err.println("kafka-bench: starting a broker in a child process");
        BrokerProcess broker = BrokerProcess.start(Files.createTempDirectory("streamformer-bench-broker-"), Map.of());
        return new Cluster() {
            public String bootstrapServers() {
                return broker.bootstrapServers();
            }

            public double cpuSeconds() {
                return broker.cpuSeconds();
            }

            public void close() {
                broker.close();
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        if (!verbose) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.streamformer")).setLevel(Level.WARN);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.ERROR);
        }
        Path modelDir = BundledModels.resolve(model);
        List<String> sentences = text == null ? null : text.isEmpty() ? DemoCommand.SENTENCES : readSentences(text);
        System.out.printf("kafka-bench: model %s, batch %d, %s, %d new tokens, broker %s%n", modelDir.getFileName(),
                batch, sentences == null ? "source " + srcLen + " tokens" : sentences.size() + " sentences sent as text",
                newTokens, bootstrapServers != null ? bootstrapServers : brokerMode.equals("process")
                        ? "in a child process" : "inside the app's JVM");
        String run = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        try (Cluster cluster = cluster()) {
            createTopics(cluster.bootstrapServers(), run);
            try (StreamFormerApp app = startApp(cluster.bootstrapServers(), modelDir, run);
                 RequestClient client = new RequestClient(cluster.bootstrapServers(), run + "-in", run + "-out",
                         run + "-dlq", StreamFormerSerdes.singleObject())) {
                int vocab = app.inference().modelInfo().sourceVocabSize();
                ModelText tokenizer = app.inference().text();
                if (sentences != null && tokenizer == null) {
                    throw new IllegalArgumentException("--text needs a model with a tokenizer (source.spm, target.spm,"
                            + " vocab.json, or tokenizer.json); " + modelDir + " has none");
                }
                int maxSource = app.inference().limits().maxSourceLength();
                List<Source> warm = sentences != null ? texts(warmup, sentences, tokenizer, 0, maxSource)
                        : sources(warmup, vocab, 1);
                List<Source> timed = sentences != null ? texts(requests, sentences, tokenizer, warmup, maxSource)
                        : sources(requests, vocab, 2);
                // both paths run the same engine code: warm both up before timing either
                roundTrip(client, warm, "warm-");
                if (rate == null) {
                    closedBurst(cluster, app, client, modelDir, warm, timed);
                } else {
                    double perSecond;
                    if (rate.endsWith("%")) {
                        double share = Double.parseDouble(rate.substring(0, rate.length() - 1)) / 100;
                        Run capacity = null;
                        for (int round = 1; round <= repeat; round++) { // the best of --repeat bursts
                            Run burst = throughKafka(cluster, app, client, timed, "capacity" + round + "-");
                            print(burst);
                            capacity = capacity == null || burst.requestsPerSecond() > capacity.requestsPerSecond()
                                    ? burst : capacity;
                        }
                        perSecond = share * capacity.requestsPerSecond();
                        System.out.printf("open loop at %s of the measured %.1f requests/s: %.1f requests/s%n", rate,
                                capacity.requestsPerSecond(), perSecond);
                    } else {
                        perSecond = Double.parseDouble(rate);
                    }
                    List<Source> pool = sentences != null ? texts(Math.max(1, sentences.size()), sentences, tokenizer,
                            0, maxSource) : timed;
                    openLoop(cluster, client, pool, perSecond);
                    printCommits(app);
                }
            }
        }
        return 0;
    }

    private void closedBurst(Cluster cluster, StreamFormerApp app, RequestClient client, Path modelDir,
                             List<Source> warm, List<Source> timed) {
        Run bestEngine = null;
        Run bestKafka = null;
        try (Engine engine = Engine.load(modelDir, Backends.create(backend, null), ProgressListener.NONE)) {
            engineAlone(engine, warm, warm);
            // alternate the two, so that a busy moment of a shared machine does not favour either
            for (int round = 1; round <= repeat; round++) {
                Run e = engineAlone(engine, timed, timed);
                print(e);
                Run k = throughKafka(cluster, app, client, timed, "r" + round + "-");
                print(k);
                int same = 0;
                for (int i = 0; i < timed.size(); i++) {
                    same += e.sequences().get(i).equals(k.sequences().get(i)) ? 1 : 0;
                }
                System.out.printf("results identical to engine.generate's: %d of %d%n", same, timed.size());
                if (same != timed.size()) {
                    throw new IllegalStateException((timed.size() - same) + " results through Kafka differ from the"
                            + " engine's for the same requests");
                }
                bestEngine = bestEngine == null || e.tokensPerSecond() > bestEngine.tokensPerSecond() ? e : bestEngine;
                bestKafka = bestKafka == null || k.tokensPerSecond() > bestKafka.tokensPerSecond() ? k : bestKafka;
            }
        }
        System.out.printf("best of %d: engine %.1f tokens/s, through Kafka %.1f tokens/s: the Kafka path gives"
                + " %.0f%% of the engine's tokens/s%n", repeat, bestEngine.tokensPerSecond(),
                bestKafka.tokensPerSecond(), 100 * bestKafka.tokensPerSecond() / bestEngine.tokensPerSecond());
    }

    private void createTopics(String bootstrap, String run) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(run + "-in", Optional.of(partitions), Optional.empty()),
                    new NewTopic(run + "-out", Optional.empty(), Optional.empty()),
                    new NewTopic(run + "-dlq", Optional.empty(), Optional.empty()))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the bench's topics on " + bootstrap + ": " + e, e);
        }
    }

    /** One request's source: token ids, and the text they were tokenized from when it is sent as text. */
    record Source(String text, int[] ids) {
        InferenceRequest.Builder request(String id) {
            InferenceRequest.Builder b = InferenceRequest.newBuilder().setRequestId(id);
            return text != null ? b.setText(text) : b.setInputIds(DecodeStates.ints(ids));
        }
    }

    private List<Source> sources(int n, int vocab, long seed) {
        Random rnd = new Random(seed);
        List<Source> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[srcLen];
            for (int j = 0; j < srcLen - 1; j++) {
                ids[j] = 1 + rnd.nextInt(Math.max(2, vocab - 2));
            }
            out.add(new Source(null, ids)); // last id 0: EOS, as Marian tokenizers end a sentence
        }
        return out;
    }

    /**
     * {@code n} sentences, from the {@code first}-th on (cycling), with the ids the app will tokenize them to;
     * refuses a sentence the app would dead-letter as too long (the bench waits for every result).
     */
    private static List<Source> texts(int n, List<String> sentences, ModelText tokenizer, int first,
                                      int maxSource) {
        List<Source> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String sentence = sentences.get((first + i) % sentences.size());
            int[] ids = tokenizer.encode(sentence);
            if (ids.length > maxSource) {
                throw new IllegalArgumentException("--text: \"" + sentence + "\" is " + ids.length
                        + " tokens long, more than the app's input limit of " + maxSource);
            }
            out.add(new Source(sentence, ids));
        }
        return out;
    }

    private static List<String> readSentences(String file) throws java.io.IOException {
        List<String> lines = Files.readAllLines(Path.of(file)).stream().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("--text " + file + ": no sentences in it");
        }
        return lines;
    }

    private static List<int[]> ids(List<Source> sources) {
        return sources.stream().map(Source::ids).toList();
    }

    /** engine.generate over {@code timed} after an untimed run over {@code warm}. */
    private Run engineAlone(Engine engine, List<Source> warmSources, List<Source> timedSources) {
        List<int[]> warm = ids(warmSources);
        List<int[]> timed = ids(timedSources);
        GenerationParams params = engine.generationConfig().resolve(
                GenerationOverrides.NONE.withMaxNewTokens(newTokens).withNumBeams(1).withSeed(0L));
        if (warmSources != timedSources) {
            engine.generate(warm, params, batch, null);
        }
        long[] steps = {0, 0};
        long start = System.nanoTime();
        List<GenerationResult> results = engine.generate(timed, params, batch, r -> {
            steps[0]++;
            steps[1] += r.sequences();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        long tokens = results.stream().mapToLong(GenerationResult::generatedTokens).sum();
        List<List<Integer>> sequences = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            int[] seq = results.get(i).sequence();
            int prompt = engine.encoderDecoder() ? 0 : timed.get(i).length; // results hold a model's new tokens
            sequences.add(DecodeStates.ints(java.util.Arrays.copyOfRange(seq, prompt, seq.length)));
        }
        // offline, every request waits for the whole run: latency is not comparable, so it is not reported
        return new Run("engine.generate", timed.size(), tokens, seconds, (double) steps[1] / steps[0], Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, sequences);
    }

    private StreamFormerApp startApp(String bootstrap, Path modelDir, String run) throws java.io.IOException {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("application.id", "streamformer-" + run);
        p.put("state.dir", Files.createTempDirectory("streamformer-bench-state-").toString());
        p.put("num.stream.threads", "1");
        p.put(MODEL_DIR, modelDir.toString());
        p.put(BACKEND, backend);
        p.put(INPUT_TOPIC, run + "-in");
        p.put(OUTPUT_TOPIC, run + "-out");
        p.put(DLQ_TOPIC, run + "-dlq");
        p.put(BATCH_MAX_REQUESTS, Integer.toString(batch));
        p.put(BATCH_MAX_SEQUENCES, Integer.toString(batch));
        p.put(QUEUE_MAX_REQUESTS, Integer.toString(batch));
        p.put(REQUEST_MAX_NEW_TOKENS, Integer.toString(newTokens));
        p.put(HTTP_PORT, "-1");
        p.putAll(settings);
        return StreamFormerApp.start(StreamFormerConfig.from(p, Map.of(), "kafka-bench"));
    }

    private Run throughKafka(Cluster cluster, StreamFormerApp app, RequestClient client, List<Source> timed,
                             String idPrefix) {
        DistributionSummary batchSizes = app.registry().get("streamformer.batch.sequences").summary();
        long stepsBefore = batchSizes.count();
        double sequencesBefore = batchSizes.totalAmount();
        double appCpu = ProcessCpu.self();
        double brokerCpu = cluster.cpuSeconds();
        long start = System.nanoTime();
        RoundTrip trip = roundTrip(client, timed, idPrefix);
        double seconds = (System.nanoTime() - start) / 1e9;
        double meanBatch = (batchSizes.totalAmount() - sequencesBefore) / (batchSizes.count() - stepsBefore);
        long[] sorted = trip.latencyNanos().values().stream().mapToLong(Long::longValue).sorted().toArray();
        List<List<Integer>> sequences = new ArrayList<>();
        for (int i = 0; i < timed.size(); i++) {
            sequences.add(trip.sequences().get(idPrefix + i));
        }
        return new Run("through Kafka", timed.size(), trip.generatedTokens(), seconds, meanBatch,
                percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6,
                (ProcessCpu.self() - appCpu) / seconds, (cluster.cpuSeconds() - brokerCpu) / seconds, sequences);
    }

    /**
     * Sends requests at {@code perSecond} for {@code --duration} seconds on a sender thread, on schedule whatever
     * the results do, and reads the results meanwhile. A request's latency is from its scheduled send time (a
     * sender that falls behind counts against the app, not for it) to its result being read.
     */
    private void openLoop(Cluster cluster, RequestClient client, List<Source> pool, double perSecond)
            throws InterruptedException {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        int n = (int) Math.max(1, Math.round(perSecond * duration));
        long intervalNanos = (long) (1e9 / perSecond);
        Map<String, Long> scheduledAt = new java.util.concurrent.ConcurrentHashMap<>();
        long[] maxLagNanos = {0};
        double appCpu = ProcessCpu.self();
        double brokerCpu = cluster.cpuSeconds();
        long start = System.nanoTime() + 50_000_000L;
        Thread sender = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                long due = start + i * intervalNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                String id = "open-" + i;
                scheduledAt.put(id, due);
                client.send(pool.get(i % pool.size()).request(id).setMaxNewTokens(newTokens).setNumBeams(1).setSeed(0L)
                        .build());
                maxLagNanos[0] = Math.max(maxLagNanos[0], System.nanoTime() - due);
            }
            client.flush();
        }, "kafka-bench-sender");
        sender.start();
        Map<String, Long> latency = new HashMap<>();
        // the result's own timestamps (wall clock, milliseconds) split each request's latency into stages
        long wallMinusNanoMs = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        List<long[]> stages = new ArrayList<>();
        int duplicates = 0;
        long generated = 0;
        long lastResult = start;
        long deadline = start + (duration + 120L) * 1_000_000_000L;
        int lastReported = 0;
        while (latency.size() < n && System.nanoTime() < deadline) {
            RequestClient.Received got = client.poll(Duration.ofMillis(20));
            for (int k = 0; k < got.results().size(); k++) {
                InferenceResult r = got.results().get(k);
                long now = System.nanoTime();
                Long due = scheduledAt.get(r.getRequestId());
                if (due == null) {
                    continue; // a warm-up or capacity result read late
                }
                if (latency.putIfAbsent(r.getRequestId(), now - due) != null) {
                    duplicates++;
                } else {
                    generated += r.getGeneratedTokens();
                    lastResult = now;
                    stages.add(stages(r, due / 1_000_000 + wallMinusNanoMs, got.forwardedAtMillis().get(k),
                            now / 1_000_000 + wallMinusNanoMs));
                }
            }
            if (latency.size() - lastReported >= Math.max(1, n / 10)) {
                lastReported = latency.size();
                System.err.printf("  open loop: %d/%d results%n", lastReported, n);
            }
        }
        sender.join();
        double seconds = (lastResult - start) / 1e9;
        double wall = (System.nanoTime() - start) / 1e9;
        long[] sorted = latency.values().stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("open loop: %d requests at %.1f/s for %d s: %d answered, %d lost, %d duplicated;"
                        + " %.1f requests/s, %.1f tokens/s%n", n, perSecond, duration, latency.size(),
                n - latency.size(), duplicates, latency.size() / seconds, generated / seconds);
        System.out.printf("  end-to-end latency (scheduled send -> result read, read_committed): p50 %.0f ms, p95 %.0f"
                        + " ms, p99 %.0f ms, max %.0f ms; sender at most %.1f ms behind schedule%n",
                percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.95) / 1e6, percentile(sorted, 0.99) / 1e6,
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6, maxLagNanos[0] / 1e6);
        printStages(stages);
        System.out.printf("  CPU: app (and this load client) %.2f cores, broker %s%n", (ProcessCpu.self() - appCpu) / wall,
                Double.isNaN(cluster.cpuSeconds()) ? "not measured" : String.format("%.2f cores",
                        (cluster.cpuSeconds() - brokerCpu) / wall));
        if (latency.size() < n || duplicates > 0) {
            throw new IllegalStateException((n - latency.size()) + " requests lost and " + duplicates
                    + " duplicated in the open loop");
        }
    }

    private static final String[] STAGES = {"intake (send -> accepted by the app)",
            "queue (accepted -> first token)", "decode (first token -> last)", "emit (last token -> forwarded)",
            "commit (forwarded -> result read)"};

    /** A request's milliseconds in each of {@link #STAGES}, from its result's timestamps. */
    private static long[] stages(InferenceResult r, long sentMs, long forwardedMs, long readMs) {
        long accepted = r.getEnqueuedAt().toEpochMilli();
        long first = r.getFirstTokenAt() == null ? r.getFinishedAt().toEpochMilli() : r.getFirstTokenAt().toEpochMilli();
        long finished = r.getFinishedAt().toEpochMilli();
        return new long[]{accepted - sentMs, first - accepted, finished - first, forwardedMs - finished,
                readMs - forwardedMs};
    }

    private static void printStages(List<long[]> stages) {
        System.out.println("  where the time went, per stage (p50 / p99 / max ms):");
        for (int s = 0; s < STAGES.length; s++) {
            int stage = s;
            long[] sorted = stages.stream().mapToLong(t -> t[stage] * 1_000_000L).sorted().toArray();
            System.out.printf("    %-40s %5.0f / %5.0f / %5.0f%n", STAGES[s], percentile(sorted, 0.50) / 1e6,
                    percentile(sorted, 0.99) / 1e6, sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6);
        }
    }

    /** Kafka Streams' own figures for its commits (the transactions that publish results), over its metrics' window. */
    private static void printCommits(StreamFormerApp app) {
        double rate = commitFigures(app, "rate").sum(); // per stream thread
        double avg = commitFigures(app, "latency.avg").max().orElse(Double.NaN);
        double max = commitFigures(app, "latency.max").max().orElse(Double.NaN);
        System.out.printf("  Kafka Streams commits (its metrics' recent window): %.1f per second, %.1f ms on average,"
                + " %.0f ms at most%n", rate, avg, max);
    }

    /** {@code kafka.stream.thread.commit.<figure>} of every stream thread. */
    private static java.util.stream.DoubleStream commitFigures(StreamFormerApp app, String figure) {
        return app.registry().find("kafka.stream.thread.commit." + figure).meters().stream()
                .mapToDouble(m -> m.measure().iterator().next().getValue());
    }

    /** Per request, the time from its send to its result being read and its sequence; the tokens generated in all. */
    record RoundTrip(Map<String, Long> latencyNanos, Map<String, List<Integer>> sequences, long generatedTokens) {
    }

    /** Sends every request, then reads until each has its result. */
    private RoundTrip roundTrip(RequestClient client, List<Source> sources, String prefix) {
        Map<String, Long> sentAt = new HashMap<>();
        Map<String, Long> latency = new HashMap<>();
        Map<String, List<Integer>> sequences = new HashMap<>();
        long generated = 0;
        for (int i = 0; i < sources.size(); i++) {
            String id = prefix + i;
            sentAt.put(id, System.nanoTime());
            client.send(sources.get(i).request(id).setMaxNewTokens(newTokens).setNumBeams(1).setSeed(0L).build());
        }
        client.flush();
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        int lastReported = 0;
        while (latency.size() < sources.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + latency.size() + " of " + sources.size()
                        + " results within 10 minutes");
            }
            for (InferenceResult r : client.poll(Duration.ofMillis(100)).results()) {
                Long t0 = sentAt.get(r.getRequestId());
                if (t0 != null && latency.putIfAbsent(r.getRequestId(), System.nanoTime() - t0) == null) {
                    generated += r.getGeneratedTokens();
                    sequences.put(r.getRequestId(), r.getSequence());
                }
            }
            if (latency.size() - lastReported >= Math.max(1, sources.size() / 10)) {
                lastReported = latency.size();
                System.err.printf("  %s: %d/%d results%n", prefix.equals("warm-") ? "warm-up" : "timed", lastReported,
                        sources.size());
            }
        }
        return new RoundTrip(latency, sequences, generated);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static void print(Run r) {
        System.out.printf("%-16s %6d requests in %7.2f s: %8.1f requests/s, %9.1f tokens/s, mean batch %5.2f%s%s%n",
                r.name(), r.requests(), r.seconds(), r.requestsPerSecond(), r.tokensPerSecond(), r.meanBatch(),
                Double.isNaN(r.p50Ms()) ? "" : String.format(", latency p50 %.0f ms, p99 %.0f ms", r.p50Ms(), r.p99Ms()),
                Double.isNaN(r.appCores()) ? "" : String.format("; CPU app %.2f cores, broker %s", r.appCores(),
                        Double.isNaN(r.brokerCores()) ? "not measured" : String.format("%.2f cores", r.brokerCores())));
    }
}
