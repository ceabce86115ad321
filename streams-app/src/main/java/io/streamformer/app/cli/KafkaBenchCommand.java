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
import io.streamformer.app.embedded.EmbeddedKafkaBroker;
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
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;

import static io.streamformer.app.config.StreamFormerConfig.*;

/**
 * {@code streamformer kafka-bench}: what Kafka costs. The same M requests go once straight through the engine
 * ({@code Engine.generate}, continuous batching at the batch limit) and once through the whole app on an
 * in-process broker (produce, decode, store, batch across partitions, emit, exactly-once commit, read_committed
 * consume) at the same batch limit. Reports requests/s, generated tokens/s, end-to-end latency and the mean
 * batch size of both.
 */
@Command(name = "kafka-bench", mixinStandardHelpOptions = true,
        description = {"Feeds M requests through a Kafka broker and the app, next to the engine alone on the same"
                + " requests at the same batch limit; reports requests/s, tokens/s, p50/p99 latency, mean batch."})
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
            description = "Timed rounds of each, alternating; the best of each is compared.")
    int repeat;

    @Option(names = "--partitions", defaultValue = "4", paramLabel = "P", description = "Partitions of the input topic.")
    int partitions;

    @Option(names = "--backend", defaultValue = Backends.DEFAULT, paramLabel = "NAME")
    String backend;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "An app or Kafka Streams setting for the Kafka run, e.g. --set commit.interval.ms=500.")
    Map<String, String> settings = new HashMap<>();

    @Option(names = "--verbose", description = "Show the app's and Kafka's logs.")
    boolean verbose;

    /** One side of the comparison. */
    record Run(String name, int requests, long tokens, double seconds, double meanBatch, double p50Ms, double p99Ms) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!verbose) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.streamformer")).setLevel(Level.WARN);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.ERROR);
        }
        Path modelDir = BundledModels.resolve(model);
        List<String> sentences = text == null ? null : text.isEmpty() ? DemoCommand.SENTENCES : readSentences(text);
        System.out.printf("kafka-bench: model %s, %d requests (+%d warm-up), batch %d, %s, %d new tokens%n",
                modelDir.getFileName(), requests, warmup, batch, sentences == null ? "source " + srcLen + " tokens"
                        : sentences.size() + " sentences sent as text", newTokens);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(partitions, "bench-in", "bench-out", "bench-dlq");
            try (StreamFormerApp app = startApp(broker, modelDir);
                 RequestClient client = new RequestClient(broker.bootstrapServers(), "bench-in", "bench-out",
                         "bench-dlq", StreamFormerSerdes.singleObject())) {
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
                Run bestEngine = null;
                Run bestKafka = null;
                try (Engine engine = Engine.load(modelDir, Backends.create(backend, null), ProgressListener.NONE)) {
                    engineAlone(engine, warm, warm);
                    // alternate the two, so that a busy moment of a shared machine does not favour either
                    for (int round = 1; round <= repeat; round++) {
                        Run e = engineAlone(engine, timed, timed);
                        print(e);
                        Run k = throughKafka(app, client, timed, "r" + round + "-");
                        print(k);
                        bestEngine = bestEngine == null || e.tokensPerSecond() > bestEngine.tokensPerSecond() ? e : bestEngine;
                        bestKafka = bestKafka == null || k.tokensPerSecond() > bestKafka.tokensPerSecond() ? k : bestKafka;
                    }
                }
                System.out.printf("best of %d: engine %.1f tokens/s, through Kafka %.1f tokens/s: the Kafka path gives"
                        + " %.0f%% of the engine's tokens/s%n", repeat, bestEngine.tokensPerSecond(),
                        bestKafka.tokensPerSecond(), 100 * bestKafka.tokensPerSecond() / bestEngine.tokensPerSecond());
            }
        }
        return 0;
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
        // offline, every request waits for the whole run: latency is not comparable, so it is not reported
        return new Run("engine.generate", timed.size(), tokens, seconds, (double) steps[1] / steps[0], Double.NaN,
                Double.NaN);
    }

    private StreamFormerApp startApp(EmbeddedKafkaBroker broker, Path modelDir) throws java.io.IOException {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("application.id", "streamformer-kafka-bench");
        p.put("state.dir", Files.createTempDirectory("streamformer-bench-state-").toString());
        p.put("num.stream.threads", "1");
        p.put(MODEL_DIR, modelDir.toString());
        p.put(BACKEND, backend);
        p.put(INPUT_TOPIC, "bench-in");
        p.put(OUTPUT_TOPIC, "bench-out");
        p.put(DLQ_TOPIC, "bench-dlq");
        p.put(BATCH_MAX_REQUESTS, Integer.toString(batch));
        p.put(BATCH_MAX_SEQUENCES, Integer.toString(batch));
        p.put(QUEUE_MAX_REQUESTS, Integer.toString(batch));
        p.put(REQUEST_MAX_NEW_TOKENS, Integer.toString(newTokens));
        p.put(HTTP_PORT, "-1");
        p.putAll(settings);
        return StreamFormerApp.start(StreamFormerConfig.from(p, Map.of(), "kafka-bench"));
    }

    private Run throughKafka(StreamFormerApp app, RequestClient client, List<Source> timed, String idPrefix) {
        DistributionSummary batchSizes = app.registry().get("streamformer.batch.sequences").summary();
        long stepsBefore = batchSizes.count();
        double sequencesBefore = batchSizes.totalAmount();
        long start = System.nanoTime();
        RoundTrip trip = roundTrip(client, timed, idPrefix);
        double seconds = (System.nanoTime() - start) / 1e9;
        double meanBatch = (batchSizes.totalAmount() - sequencesBefore) / (batchSizes.count() - stepsBefore);
        long[] sorted = trip.latencyNanos().values().stream().mapToLong(Long::longValue).sorted().toArray();
        return new Run("through Kafka", timed.size(), trip.generatedTokens(), seconds, meanBatch,
                percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
    }

    /** Per request, the time from its send to its result being read; and the tokens generated in all. */
    record RoundTrip(Map<String, Long> latencyNanos, long generatedTokens) {
    }

    /** Sends every request, then reads until each has its result. */
    private RoundTrip roundTrip(RequestClient client, List<Source> sources, String prefix) {
        Map<String, Long> sentAt = new HashMap<>();
        Map<String, Long> latency = new HashMap<>();
        long generated = 0;
        for (int i = 0; i < sources.size(); i++) {
            String id = prefix + i;
            sentAt.put(id, System.nanoTime());
            client.send(sources.get(i).request(id).setMaxNewTokens(newTokens).setNumBeams(1).build());
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
                }
            }
            if (latency.size() - lastReported >= Math.max(1, sources.size() / 10)) {
                lastReported = latency.size();
                System.err.printf("  %s: %d/%d results%n", prefix.equals("warm-") ? "warm-up" : "timed", lastReported,
                        sources.size());
            }
        }
        return new RoundTrip(latency, generated);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static void print(Run r) {
        System.out.printf("%-16s %6d requests in %7.2f s: %8.1f requests/s, %9.1f tokens/s, mean batch %5.2f%s%n",
                r.name(), r.requests(), r.seconds(), r.requestsPerSecond(), r.tokensPerSecond(), r.meanBatch(),
                Double.isNaN(r.p50Ms()) ? "" : String.format(", latency p50 %.0f ms, p99 %.0f ms", r.p50Ms(), r.p99Ms()));
    }
}
