package io.streamformer.app.streams;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.Translator;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.accelerator.tokenizer.Tokenizer;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.app.inference.InferenceService;
import io.streamformer.schemas.ChatMessage;
import io.streamformer.app.testing.BadInputs;
import io.streamformer.app.testing.ChatModel;
import io.streamformer.app.testing.HostileInputs;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TextModel;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.DecodeStatus;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.DeadLetterKind;
import io.streamformer.schemas.serde.InMemoryRegistry;
import io.streamformer.schemas.serde.RegistrySerde;
import io.streamformer.schemas.serde.SingleObjectSerde;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology on Kafka Streams' TopologyTestDriver, with the real engine on the tiny model (token ids only) and
 * on a tiny model with the en-es tokenizer (text requests and results).
 */
class InferenceTopologyTest {
    private static final SingleObjectSerde<InferenceRequest> REQUESTS = SingleObjectSerde.of(InferenceRequest.class);
    private static Engine engine;
    private static Engine textEngine;
    private static Engine chatEngine;

    /** The engine of the running topology. */
    private Engine running;
    private InferenceService inference;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<String, InferenceResult> output;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;
    private StreamFormerSerdes serdes;

    @BeforeAll
    static void loadModels() {
        engine = TinyModel.load();
        textEngine = TextModel.load();
        chatEngine = ChatModel.load();
    }

    @AfterAll
    static void closeModels() {
        engine.close();
        textEngine.close();
        chatEngine.close();
    }

    private void start(SchedulerLimits limits, long stepDelayMs, Duration intakeMaxBlock) {
        start(engine, limits, stepDelayMs, intakeMaxBlock, StreamFormerSerdes.singleObject());
    }

    private void startWithText(SchedulerLimits limits) {
        start(textEngine, limits, 0, Duration.ofMillis(100), StreamFormerSerdes.singleObject());
    }

    private void start(Engine model, SchedulerLimits limits, long stepDelayMs, Duration intakeMaxBlock,
                       StreamFormerSerdes serdes) {
        this.serdes = serdes;
        this.running = model;
        inference = InferenceService.start(model, model.modelDir().getFileName().toString(), limits, stepDelayMs,
                new SimpleMeterRegistry());
        Topology topology = StreamFormerTopology.builder(inference)
                .inputTopic("in").outputTopic("out").deadLetterTopic("dlq")
                .serdes(serdes)
                .emitInterval(Duration.ofMillis(10))
                .checkpointInterval(Duration.ZERO)
                .intakeMaxBlock(intakeMaxBlock)
                .build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, TestApps.tempDir("topology-test-").toString());
        driver = new TopologyTestDriver(topology, props);
        input = driver.createInputTopic("in", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        output = driver.createOutputTopic("out", Serdes.String().deserializer(), serdes.results().deserializer());
        deadLetters = driver.createOutputTopic("dlq", Serdes.ByteArray().deserializer(),
                serdes.deadLetters().deserializer());
    }

    private static SchedulerLimits limits(int batch, int queue) {
        return new SchedulerLimits(batch, batch * 2, 64, 64, 1 << 20, queue);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        if (inference != null) {
            inference.close();
        }
    }

    private void send(InferenceRequest r) {
        input.pipeInput(r.getRequestId().getBytes(), serdes.requests().serializer().serialize("in", r));
    }

    /** Advances the wall clock (punctuators) until {@code done}, with a real-time limit. */
    private void advanceUntil(BooleanSupplier done, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            driver.advanceWallClockTime(Duration.ofMillis(10));
            Thread.sleep(2);
        }
    }

    /** The request ids of the last {@link #collect}, in the order their results came out. */
    private final List<String> resultOrder = new ArrayList<>();

    private Map<String, InferenceResult> collect(int n) throws InterruptedException {
        Map<String, InferenceResult> results = new HashMap<>();
        List<String> order = resultOrder;
        order.clear();
        advanceUntil(() -> {
            for (KeyValue<String, InferenceResult> kv : output.readKeyValuesToList()) {
                assertThat(results.put(kv.key, kv.value)).as("second result for " + kv.key).isNull();
                order.add(kv.key);
            }
            return results.size() >= n;
        }, Duration.ofSeconds(60));
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertThat(output.isEmpty()).as("no result beyond the expected ones").isTrue();
        return results;
    }

    private void assertSameAsEngine(InferenceRequest request, InferenceResult actual) {
        Results.assertSameAsEngine(running, request, actual);
        assertThat(actual.getModelId()).isEqualTo(running.modelDir().getFileName().toString());
        assertThat(actual.getFirstTokenAt()).isNotNull();
        assertThat(actual.getFinishedAt()).isAfterOrEqualTo(actual.getEnqueuedAt());
        assertThat(actual.getResumedFromStep()).isZero();
    }

    private KeyValueStore<String, DecodeState> store() {
        return driver.getKeyValueStore(StreamFormerTopology.STORE_NAME);
    }

    private int storeSize() {
        int n = 0;
        try (KeyValueIterator<String, DecodeState> it = store().all()) {
            for (; it.hasNext(); it.next()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void everyRequestGetsOneResultEqualToTheEnginesAndLeavesTheStore() throws Exception {
        start(limits(4, 4), 0, Duration.ofMillis(100));
        List<InferenceRequest> requests = TinyModel.mixedRequests(12, 7, 3, 15);
        requests.forEach(this::send);

        Map<String, InferenceResult> results = collect(requests.size());

        for (InferenceRequest r : requests) {
            assertSameAsEngine(r, results.get(r.getRequestId()));
        }
        assertThat(storeSize()).as("finished requests leave the store").isZero();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void badInputGoesToTheDeadLetterTopicWithItsReasonAndTheRestIsAnswered() throws Exception {
        start(limits(4, 4), 0, Duration.ofMillis(100));
        // the tiny model has no tokenizer: any text is bad input
        assertBadInputIsDeadLetteredAndTheRestAnswered(BadInputs.all(), List.of(
                TinyModel.request("good-1", 5, 6, 7, 0).setMaxNewTokens(5).build(),
                TinyModel.request("good-2", 8, 9, 0).setNumBeams(2).setMaxNewTokens(6).build()));
    }

    @Test
    void textThatCannotBeServedGoesToTheDeadLetterTopicAndTheRestIsAnswered() throws Exception {
        startWithText(limits(4, 4));
        // both or neither of text and input_ids, empty text, text over the input limit; the common cases too
        assertBadInputIsDeadLetteredAndTheRestAnswered(BadInputs.all(TextModel.SHAPE.vocabSize(), true),
                TextModel.textRequests(3, "good", 4, 8));
    }

    /** Sends the first good request, then every bad one, then the other good ones. */
    private void assertBadInputIsDeadLetteredAndTheRestAnswered(List<BadInputs.BadInput> bad,
                                                               List<InferenceRequest> good) throws Exception {
        send(good.get(0));
        Map<Long, BadInputs.BadInput> byOffset = new HashMap<>();
        long offset = 1;
        for (BadInputs.BadInput b : bad) {
            input.pipeInput(b.key(), b.value());
            byOffset.put(offset++, b);
        }
        good.subList(1, good.size()).forEach(this::send);

        Map<String, InferenceResult> results = collect(good.size());
        for (InferenceRequest r : good) {
            assertSameAsEngine(r, results.get(r.getRequestId()));
        }

        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(bad.size());
        for (DeadLetter letter : letters) {
            BadInputs.BadInput b = byOffset.get(letter.getSourceOffset());
            assertThat(b).as("dead letter at offset " + letter.getSourceOffset()).isNotNull();
            BadInputs.assertMatches(b, letter, "in");
            assertThat(letter.getSourcePartition()).isZero();
        }
    }

    @Test
    void textRequestsAreTokenizedByTheAppAndTheirResultsCarryTheTranslatorsText() throws Exception {
        startWithText(limits(4, 4));
        Tokenizer tokenizer = inference.text() == null ? null : inference.text().tokenizer();
        assertThat(tokenizer).as("loaded with the engine: the model directory has tokenizer files").isNotNull();
        List<InferenceRequest> requests = new ArrayList<>(TextModel.textRequests(7, "text", 4, 12));
        // a request given as ids gets its output as text too
        String idsSentence = "Please close the door.";
        requests.add(InferenceRequest.newBuilder().setRequestId("ids").setNumBeams(1).setMaxNewTokens(8)
                .setInputIds(DecodeStates.ints(tokenizer.encode(idsSentence))).build());
        requests.forEach(this::send);

        // the store keeps what resuming needs: the text's ids, not the text
        assertThat(storeSize()).isEqualTo(requests.size());
        try (KeyValueIterator<String, DecodeState> it = store().all()) {
            it.forEachRemaining(kv -> {
                InferenceRequest stored = kv.value.getRequest();
                assertThat(stored.getText()).as("stored text of " + stored.getRequestId()).isNull();
                assertThat(stored.getInputIds()).as("stored ids of " + stored.getRequestId()).isNotEmpty();
            });
        }

        Map<String, InferenceResult> results = collect(requests.size());
        Translator translator = new Translator(textEngine, (MarianTokenizer) tokenizer);
        for (InferenceRequest r : requests) {
            InferenceResult result = results.get(r.getRequestId());
            assertSameAsEngine(r, result);
            String source = r.getText() != null ? r.getText() : idsSentence;
            assertThat(result.getInputIds()).isEqualTo(DecodeStates.ints(tokenizer.encode(source)));
            assertThat(result.getText()).as("text of " + r.getRequestId()).isNotNull()
                    .isEqualTo(translator.translate(List.of(source), TinyModel.params(textEngine, r), 1).get(0));
        }
        assertThat(storeSize()).isZero();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    /** A language model's limits: prompts up to 128 tokens, prompt and new tokens up to 192. */
    private static SchedulerLimits chatLimits() {
        return new SchedulerLimits(4, 8, 128, 192, 1 << 20, 4);
    }

    private static InferenceRequest.Builder chat(String id, String... roleContent) {
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            messages.add(new ChatMessage(roleContent[i], roleContent[i + 1]));
        }
        return InferenceRequest.newBuilder().setRequestId(id).setMessages(messages);
    }

    @Test
    void aLanguageModelTakesChatMessagesTextAndIdsAndAnswersWithItsNewTokens() throws Exception {
        start(chatEngine, chatLimits(), 0, Duration.ofMillis(100), StreamFormerSerdes.singleObject());
        assertThat(inference.text().hasChatTemplate()).isTrue();
        List<InferenceRequest> requests = List.of(
                chat("chat-1", "user", "What is the capital of France?").setMaxNewTokens(12).setNumBeams(1).build(),
                chat("chat-2", "system", "Answer in one word.", "user", "Name a colour.").setMaxNewTokens(10)
                        .setNumBeams(1).setDoSample(true).setSeed(3L).setTopK(20).build(),
                chat("chat-3", "user", "Hi", "assistant", "Hello!", "user", "Bye").setMaxNewTokens(8).setNumBeams(3)
                        .build(),
                InferenceRequest.newBuilder().setRequestId("raw").setText("Once upon a time").setMaxNewTokens(12)
                        .setNumBeams(1).setRepetitionPenalty(1.3).build(),
                InferenceRequest.newBuilder().setRequestId("ids").setInputIds(List.of(1, 300, 301, 302, 303))
                        .setMaxNewTokens(9).setNumBeams(1).build());
        requests.forEach(this::send);
        assertThat(deadLetters.readValuesToList()).as("dead letters").isEmpty();
        // the store keeps the prompt's ids, not the messages or text
        try (KeyValueIterator<String, DecodeState> it = store().all()) {
            it.forEachRemaining(kv -> {
                assertThat(kv.value.getRequest().getMessages()).isEmpty();
                assertThat(kv.value.getRequest().getText()).isNull();
            });
        }
        Map<String, InferenceResult> results = collect(requests.size());
        for (InferenceRequest r : requests) {
            InferenceResult result = results.get(r.getRequestId());
            assertSameAsEngine(r, result);
            assertThat(result.getInputIds()).as("the prompt's ids").isEqualTo(DecodeStates.ints(
                    Results.sourceIds(chatEngine, r)));
            assertThat(result.getSequence().size()).as("new tokens only").isEqualTo(result.getGeneratedTokens());
        }
        // the chat prompt is the template's rendering: ChatML with the template's default system turn
        String prompt = Results.tokenizer(chatEngine).decode(DecodeStates.toArray(results.get("chat-1").getInputIds()));
        assertThat(prompt).contains("system", "What is the capital of France?", "assistant");
        assertThat(storeSize()).isZero();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aStopStringEndsALanguageModelsRequestAndCutsItsText() throws Exception {
        start(chatEngine, chatLimits(), 0, Duration.ofMillis(100), StreamFormerSerdes.singleObject());
        // what the model says without a stop string, then a stop string taken from the middle of it
        InferenceRequest free = InferenceRequest.newBuilder().setRequestId("free").setText("The sky is")
                .setMaxNewTokens(24).setNumBeams(1).build();
        String freeText = Results.tokenizer(chatEngine).decode(java.util.Arrays.copyOfRange(
                TinyModel.expected(chatEngine, free).sequence(), Results.sourceIds(chatEngine, free).length,
                Results.sourceIds(chatEngine, free).length + 24));
        String stop = freeText.substring(freeText.length() / 2, freeText.length() / 2 + 3);
        InferenceRequest stopped = InferenceRequest.newBuilder(free).setRequestId("stopped").setStop(List.of(stop,
                "never appears \u0000")).build();
        send(stopped);
        InferenceResult result = collect(1).get("stopped");
        assertSameAsEngine(stopped, result);
        assertThat(result.getFinishReason()).isEqualTo(io.streamformer.schemas.FinishReason.STOP);
        assertThat(result.getText()).doesNotContain(stop);
        assertThat(freeText).startsWith(result.getText());
        assertThat(result.getGeneratedTokens()).isLessThan(24);
    }

    @Test
    void languageModelRequestsThatCannotBeServedAreDeadLettered() throws Exception {
        start(chatEngine, chatLimits(), 0, Duration.ofMillis(100), StreamFormerSerdes.singleObject());
        String longText = "word ".repeat(300);
        List<BadInputs.BadInput> bad = List.of(
                new BadInputs.BadInput("role", BadInputs.bytes(chat("role", "bot", "hello").build()),
                        DeadLetterKind.INVALID_INPUT,
                        "messages[0].role \"bot\" is not one of system, user, assistant, tool"),
                new BadInputs.BadInput("both", BadInputs.bytes(chat("both", "user", "hi").setText("hi").build()),
                        DeadLetterKind.INVALID_INPUT, "the request has text and messages: give one of them"),
                new BadInputs.BadInput("long", BadInputs.bytes(InferenceRequest.newBuilder().setRequestId("long").setText(longText).build()),
                        DeadLetterKind.INVALID_INPUT, "more than the limit of 128 input tokens"),
                new BadInputs.BadInput("stop-beams", BadInputs.bytes(chat("stop-beams", "user", "hi").setNumBeams(2)
                        .setStop(List.of("x")).build()),
                        DeadLetterKind.INVALID_PARAMETERS,
                        "stop strings need num_beams = 1"),
                new BadInputs.BadInput("stop-empty", BadInputs.bytes(chat("stop-empty", "user", "hi").setStop(List.of("")).build()),
                        DeadLetterKind.INVALID_PARAMETERS, "stop[0] is empty"),
                new BadInputs.BadInput("context", BadInputs.bytes(InferenceRequest.newBuilder().setRequestId("context")
                        .setText("a b c d e f").setMaxNewTokens(190).build()),
                        DeadLetterKind.INVALID_PARAMETERS, "exceed the context limit of 192 tokens"));
        assertBadInputIsDeadLetteredAndTheRestAnswered(bad, List.of(
                chat("good", "user", "Hello").setMaxNewTokens(4).setNumBeams(1).build()));
    }

    @Test
    void aFullEngineParksRequestsInTheStoreAndAnswersThemAllInOrder() throws Exception {
        // room for 1 running + 1 queued request; every step takes >= 5 ms; a stream thread waits at most 10 ms
        start(new SchedulerLimits(1, 2, 64, 64, 1 << 20, 1), 5, Duration.ofMillis(10));
        List<InferenceRequest> requests = TinyModel.mixedRequests(8, 11, 4, 6);
        // eight records go in although the engine has room for two: the stream thread does not wait for it
        requests.forEach(this::send);

        assertThat(inference.inFlight()).as("never more in the engine than its room").isLessThanOrEqualTo(2);
        List<DecodeStatus> statuses = new ArrayList<>();
        try (KeyValueIterator<String, DecodeState> it = store().all()) {
            it.forEachRemaining(kv -> statuses.add(kv.value.getStatus()));
        }
        assertThat(statuses).as("the rest waits in the store").contains(DecodeStatus.QUEUED).hasSize(8);

        Map<String, InferenceResult> results = collect(requests.size());
        for (InferenceRequest r : requests) {
            assertSameAsEngine(r, results.get(r.getRequestId()));
        }
        // one request runs at a time and parked ones are handed over oldest first: results in arrival order
        assertThat(resultOrder).containsExactlyElementsOf(requests.stream().map(InferenceRequest::getRequestId)
                .toList());
        assertThat(storeSize()).isZero();
        assertThat(inference.inFlight()).isZero();
    }

    @Test
    void hostileInputNeverStopsTheTopologyAndEveryRecordGetsExactlyOneOutcome() throws Exception {
        start(limits(4, 4), 0, Duration.ofMillis(100));
        List<HostileInputs.Hostile> hostile = new ArrayList<>(HostileInputs.generate(20261202L, 1100, TinyModel.VOCAB));
        hostile.addAll(HostileInputs.duplicates("dup"));
        hostile.add(HostileInputs.hugeIds("ids-2M", 2_000_000));
        hostile.add(HostileInputs.hugeText("text-3MB", 3_000_000));
        Map<Long, HostileInputs.Hostile> byOffset = new HashMap<>();
        long offset = 0;
        for (HostileInputs.Hostile h : hostile) {
            input.pipeInput(h.key(), h.value());
            byOffset.put(offset++, h);
        }
        long expectResults = hostile.stream().filter(h -> h.expect() == HostileInputs.Expect.RESULT).count();
        long either = hostile.stream().filter(h -> h.expect() == HostileInputs.Expect.EITHER).count();

        // every record is either dead-lettered (at once, by the decoder) or accepted into the store
        List<org.apache.kafka.streams.test.TestRecord<byte[], DeadLetter>> letters = deadLetters.readRecordsToList();
        List<InferenceResult> results = new ArrayList<>();
        advanceUntil(() -> {
            results.addAll(output.readValuesToList());
            return storeSize() == 0;
        }, Duration.ofSeconds(60));
        results.addAll(output.readValuesToList());
        assertThat(letters.size() + results.size()).as("one outcome per record").isEqualTo(hostile.size());

        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (var record : letters) {
            DeadLetter letter = record.value();
            HostileInputs.Hostile h = byOffset.get(letter.getSourceOffset());
            assertThat(seen.add(letter.getSourceOffset())).as("one dead letter for offset " + letter.getSourceOffset())
                    .isTrue();
            assertThat(h.expect()).as(h.name() + " must not be dead-lettered").isNotEqualTo(HostileInputs.Expect.RESULT);
            if (h.kind() != null) {
                assertThat(letter.getKind()).as(h.name() + ": " + letter.getReason()).isEqualTo(h.kind());
            }
            assertThat(letter.getOriginalValueSize()).isEqualTo(h.value() == null ? -1 : h.value().length);
            assertThat(letter.getOriginalTruncated()).as(h.name()).isEqualTo(h.huge());
            byte[] kept = letter.getOriginalValue() == null ? null : toArray(letter.getOriginalValue());
            if (h.huge()) {
                assertThat(kept.length).isBetween(100_000, 1 << 20);
                assertThat(kept).isEqualTo(java.util.Arrays.copyOf(h.value(), kept.length));
                assertThat(letter.getReason()).contains("more than the " + (1 << 20) + " a request may have");
            } else {
                assertThat(kept).as(h.name()).isEqualTo(h.value());
            }
            assertThat(serdes.deadLetters().serializer().serialize("dlq", letter).length + record.getKey().length)
                    .as("fits the dead-letter topic").isLessThan(1 << 20);
            var headers = record.getHeaders();
            assertThat(new String(headers.lastHeader(DeadLetterRecords.HEADER_OFFSET).value()))
                    .isEqualTo(String.valueOf(letter.getSourceOffset()));
            assertThat(new String(headers.lastHeader(DeadLetterRecords.HEADER_TOPIC).value())).isEqualTo("in");
            assertThat(new String(headers.lastHeader(DeadLetterRecords.HEADER_PARTITION).value())).isEqualTo("0");
            assertThat(new String(headers.lastHeader(DeadLetterRecords.HEADER_MESSAGE).value()))
                    .isEqualTo(letter.getReason());
            assertThat(headers.lastHeader(DeadLetterRecords.HEADER_EXCEPTION)).isNotNull();
        }
        long expectedLetters = hostile.stream().filter(h -> h.expect() == HostileInputs.Expect.DEAD_LETTER).count();
        assertThat(letters.size()).isBetween((int) expectedLetters, (int) (expectedLetters + either));
        List<String> ids = results.stream().map(InferenceResult::getRequestId).toList();
        assertThat(ids).as("both records of a duplicate request_id are answered").filteredOn("dup"::equals).hasSize(2);
        for (HostileInputs.Hostile h : hostile) {
            if (h.expect() == HostileInputs.Expect.RESULT && !h.requestId().equals("dup")) {
                // a flipped bit elsewhere may have made another record's request_id this one: match the metadata too
                assertThat(results).as(h.name()).filteredOn(r -> r.getRequestId().equals(h.requestId())
                        && h.requestId().equals(r.getMetadata().get("case"))).hasSize(1);
            }
        }
        assertThat(results.size()).isBetween((int) expectResults, (int) (expectResults + either));
        assertThat(inference.isAlive()).isTrue();
    }

    private static byte[] toArray(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void inTheSchemaRegistryFormatResultsAndDeadLettersWorkTheSame() throws Exception {
        InMemoryRegistry registry = new InMemoryRegistry();
        Map<String, Object> noRetries = Map.of("apicurio.registry.retry-count", 0);
        start(engine, limits(4, 4), 0, Duration.ofMillis(100), new StreamFormerSerdes(
                RegistrySerde.of(InferenceRequest.class, registry, noRetries),
                RegistrySerde.of(InferenceResult.class, registry, noRetries),
                RegistrySerde.of(DeadLetter.class, registry, noRetries)));
        InferenceRequest good = TinyModel.request("good", 5, 6, 7, 0).setMaxNewTokens(6).build();
        byte[] unknownId = serdes.requests().serializer().serialize("in", good).clone();
        unknownId[4] = 99;

        send(good);
        input.pipeInput("single-object".getBytes(), REQUESTS.serialize("in", good));
        input.pipeInput("unknown-id".getBytes(), unknownId);

        assertSameAsEngine(good, collect(1).get("good"));
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getKind)
                .containsExactly(DeadLetterKind.UNDECODABLE, DeadLetterKind.UNKNOWN_SCHEMA);
        assertThat(letters.get(0).getReason()).contains("not the Schema Registry wire format");
        assertThat(letters.get(1).getReason()).contains("schema id 99 is unknown to the registry");
    }
}
