package io.streamformer.app.cli;

import ch.qos.logback.classic.Level;
import io.streamformer.app.BundledModels;
import io.streamformer.app.StreamFormerApp;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import io.streamformer.app.streams.DecodeStates;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
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
 * {@code streamformer demo}: the whole data flow in one process, in seconds. Starts a Kafka broker (KRaft,
 * in-process), creates the topics, starts the app with a bundled model, produces sample requests and one
 * malformed record, prints every request with its output as the results arrive, and exits.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs everything in one process: a Kafka broker (KRaft), the app with a bundled model,"
                + " sample requests; prints each request with its decoded output as it arrives, then exits."})
public final class DemoCommand implements Callable<Integer> {
    private static final String INPUT = "inference-requests";
    private static final String OUTPUT = "inference-results";
    private static final String DLQ = "inference-dead-letters";

    @Option(names = "--model", paramLabel = "NAME|DIR",
            description = "A bundled model (en-es, tiny-marian) or a model directory. Default: en-es, the"
                    + " bundled English→Spanish model.")
    String model;

    @Option(names = "--requests", defaultValue = "12", paramLabel = "N", description = "Sample requests to send.")
    int requests;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Give up after this long.")
    int timeoutSeconds;

    @Option(names = "--verbose", description = "Show the app's and Kafka's logs.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (!verbose) {
            // the demo's own lines tell the story; the app's and Kafka's logs are there with --verbose
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.streamformer")).setLevel(Level.ERROR);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.ERROR);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("kafka")).setLevel(Level.ERROR);
        }
        long start = System.nanoTime();
        Path modelDir = modelDirectory();
        out.println("[demo] starting a Kafka broker (KRaft, in this process)...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(4, INPUT, OUTPUT, DLQ);
            out.printf("[demo] broker on %s; topics %s, %s, %s (4 partitions each)%n", broker.bootstrapServers(),
                    INPUT, OUTPUT, DLQ);
            Path stateDir = Files.createTempDirectory("streamformer-demo-state-");
            StreamFormerConfig config = StreamFormerConfig.from(appProperties(broker, modelDir, stateDir),
                    Map.of(), "demo");
            out.printf("[demo] starting StreamFormer with model %s (exactly-once, 2 stream threads)...%n",
                    config.modelId());
            try (StreamFormerApp app = StreamFormerApp.start(config);
                 RequestClient client = new RequestClient(broker.bootstrapServers(), INPUT, OUTPUT, DLQ,
                         StreamFormerSerdes.singleObject())) {
                int vocab = app.inference().modelInfo().sourceVocabSize();
                // with a tokenizer in the model directory the app takes and gives text: the demo sends sentences
                // as text requests and prints the results' text; without one, token ids
                boolean text = app.inference().text() != null;
                int maxNewTokens = app.inference().limits().maxDecoderLength() - 1; // a small model may allow < 64
                Map<String, InferenceRequest> sent = new HashMap<>();
                for (InferenceRequest r : sampleRequests(requests, vocab, text, maxNewTokens)) {
                    client.send(r);
                    sent.put(r.getRequestId(), r);
                }
                client.sendRaw("broken-1".getBytes(), "this is not an InferenceRequest".getBytes());
                client.flush();
                out.printf("[demo] sent %d requests and 1 malformed record; waiting for results...%n", requests);
                boolean complete = receive(client, sent, text, out, Duration.ofSeconds(timeoutSeconds));
                out.printf("[demo] %s in %.1f s; shutting down.%n", complete ? "done" : "TIMED OUT",
                        (System.nanoTime() - start) / 1e9);
                return complete ? 0 : 1;
            } finally {
                deleteQuietly(stateDir);
            }
        }
    }

    private Path modelDirectory() {
        String name = model != null ? model : BundledModels.EN_ES;
        Path dir = BundledModels.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--model " + name + ": neither a bundled model (tiny-marian, en-es)"
                    + " nor a directory");
        }
        return dir;
    }

    private static Properties appProperties(EmbeddedKafkaBroker broker, Path modelDir, Path stateDir) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("application.id", "streamformer-demo");
        p.put("state.dir", stateDir.toString());
        p.put("num.stream.threads", "2");
        p.put(MODEL_DIR, modelDir.toString());
        p.put(INPUT_TOPIC, INPUT);
        p.put(OUTPUT_TOPIC, OUTPUT);
        p.put(DLQ_TOPIC, DLQ);
        p.put(HTTP_PORT, "-1");
        return p;
    }

    /** English sample sentences (also kafka-bench's --text default). */
    static final List<String> SENTENCES = List.of(
            "The weather is nice today.", "Where is the train station?", "I would like a cup of coffee.",
            "The children are playing in the garden.", "We will meet again tomorrow morning.",
            "This book is very interesting.", "How much does this cost?", "She works in a small hospital.",
            "Please close the door.", "The museum opens at nine.", "My brother lives in the city.",
            "Thank you for your help.");

    /**
     * Sample requests with a mix of greedy, beam and sampling settings: English sentences as text requests when
     * the model has a tokenizer (the app tokenizes them), random source ids (ending with EOS = 0) otherwise.
     */
    static List<InferenceRequest> sampleRequests(int n, int vocab, boolean text, int maxNewTokens) {
        Random rnd = new Random(42);
        List<InferenceRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            InferenceRequest.Builder b = InferenceRequest.newBuilder().setRequestId(String.format("demo-%02d", i + 1));
            if (text) {
                b.setText(SENTENCES.get(i % SENTENCES.size())).setMaxNewTokens(Math.min(64, maxNewTokens));
            } else {
                int[] ids = new int[4 + rnd.nextInt(6)];
                for (int j = 0; j < ids.length - 1; j++) {
                    ids[j] = 1 + rnd.nextInt(Math.min(vocab, 1000) - 2);
                }
                b.setInputIds(DecodeStates.ints(ids)).setMaxNewTokens(Math.min(16, maxNewTokens));
            }
            // every mode explicit: models often default to beam search (opus-mt: num_beams 4)
            switch (i % 3) {
                case 1 -> b.setNumBeams(3);
                case 2 -> b.setNumBeams(1).setDoSample(true).setTemperature(0.6).setTopK(20).setSeed(7L + i);
                default -> b.setNumBeams(1);
            }
            out.add(b.build());
        }
        return out;
    }

    private static boolean receive(RequestClient client, Map<String, InferenceRequest> sent, boolean text,
                                   PrintStream out, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int results = 0;
        List<DeadLetter> letters = new ArrayList<>();
        while ((results + rejected(letters, sent) < sent.size() || letters.size() < 1) && System.nanoTime() < deadline) {
            RequestClient.Received got = client.poll(Duration.ofMillis(200));
            for (InferenceResult r : got.results()) {
                results++;
                InferenceRequest req = sent.get(r.getRequestId());
                long ms = r.getFinishedAt().toEpochMilli() - r.getEnqueuedAt().toEpochMilli();
                // text mode: the request's sentence and the result's text, as the app decoded it
                Object input = text && req != null ? req.getText() : r.getInputIds();
                Object output = text ? r.getText() : r.getSequence();
                out.printf("[%2d/%d] %s %-8s in  %s%n", results, sent.size(), r.getRequestId(), mode(req), input);
                out.printf("        %-17s out %s  (%s, %d tokens, %d ms)%n", "", output,
                        r.getFinishReason().name().toLowerCase(), r.getGeneratedTokens(), ms);
            }
            for (DeadLetter d : got.deadLetters()) {
                letters.add(d);
                out.printf("[dead letter] %s-%d@%d %s: %s%n", d.getSourceTopic(), d.getSourcePartition(),
                        d.getSourceOffset(), d.getKind(), d.getReason());
            }
        }
        // success: every sample answered, and the malformed record (only it) dead-lettered
        return results >= sent.size() && !letters.isEmpty();
    }

    /** Sample requests that came back as dead letters (none should). */
    private static int rejected(List<DeadLetter> letters, Map<String, InferenceRequest> sent) {
        return (int) letters.stream().filter(d -> d.getRequestId() != null && sent.containsKey(d.getRequestId())).count();
    }

    private static String mode(InferenceRequest r) {
        if (r == null) {
            return "?";
        }
        if (r.getNumBeams() != null && r.getNumBeams() > 1) {
            return "beam=" + r.getNumBeams();
        }
        return Boolean.TRUE.equals(r.getDoSample()) ? "sample" : "greedy";
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans it eventually
        }
    }
}
