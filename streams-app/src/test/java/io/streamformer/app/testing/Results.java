package io.streamformer.app.testing;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.FinishReason;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.accelerator.tokenizer.Tokenizer;
import io.streamformer.accelerator.tokenizer.bpe.HfTokenizer;
import io.streamformer.accelerator.tokenizer.chat.ChatMessage;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplate;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.streams.DecodeStates;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

/** Collecting what the app committed, and comparing it with the engine's direct answers. */
public final class Results {
    private Results() {
    }

    /** Everything read until {@code results} results and {@code letters} dead letters came, then {@code quiet} more. */
    public static RequestClient.Received collect(RequestClient client, int results, int letters, Duration limit,
                                                 Duration quiet) {
        List<InferenceResult> r = new ArrayList<>();
        List<DeadLetter> d = new ArrayList<>();
        long deadline = System.nanoTime() + limit.toNanos();
        while (r.size() < results || d.size() < letters) {
            if (System.nanoTime() > deadline) {
                fail("after " + limit + ": " + r.size() + "/" + results + " results, " + d.size() + "/" + letters
                        + " dead letters: " + d.stream().map(x -> x.getRequestId() + " " + x.getKind() + " ("
                        + x.getReason() + ")").toList());
            }
            RequestClient.Received got = client.poll(Duration.ofMillis(200));
            r.addAll(got.results());
            d.addAll(got.deadLetters());
        }
        // anything arriving after the expected count would be a duplicate
        long quietEnd = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < quietEnd) {
            RequestClient.Received got = client.poll(Duration.ofMillis(200));
            r.addAll(got.results());
            d.addAll(got.deadLetters());
        }
        return new RequestClient.Received(r, d);
    }

    /** Exactly one result per request, each equal to what the engine answers directly. */
    public static void assertExactlyOneEach(List<InferenceRequest> requests, List<InferenceResult> results,
                                            Engine engine) {
        assertThat(results).extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrderElementsOf(requests.stream().map(InferenceRequest::getRequestId).toList());
        for (InferenceRequest request : requests) {
            InferenceResult actual = results.stream().filter(x -> x.getRequestId().equals(request.getRequestId()))
                    .findFirst().orElseThrow();
            assertSameAsEngine(engine, request, actual);
        }
    }

    /**
     * The result equals what the engine answers directly for the request's source (its input_ids, or its text
     * tokenized), with the source's ids as input_ids, and, when the model has a tokenizer, the decoded sequence as
     * text (null otherwise).
     */
    public static void assertSameAsEngine(Engine engine, InferenceRequest request, InferenceResult actual) {
        GenerationResult expected = TinyModel.expected(engine, request);
        // a language model's result holds the new tokens; generate() returns them after the prompt
        int[] sequence = engine.encoderDecoder() ? expected.sequence() : Arrays.copyOfRange(expected.sequence(),
                sourceIds(engine, request).length, expected.sequence().length);
        assertThat(actual.getSequence()).as("sequence of %s", request.getRequestId())
                .containsExactly(Arrays.stream(sequence).boxed().toArray(Integer[]::new));
        assertThat(actual.getFinishReason().name()).as("finish reason of %s", request.getRequestId())
                .isEqualTo(expected.finishReason().name());
        assertThat(actual.getScore()).as("score of %s", request.getRequestId()).isCloseTo(expected.score(), within(1e-4));
        assertThat(actual.getGeneratedTokens()).isEqualTo(expected.generatedTokens());
        assertThat(actual.getInputIds()).as("input_ids of %s", request.getRequestId())
                .isEqualTo(DecodeStates.ints(sourceIds(engine, request)));
        assertThat(actual.getMetadata()).isEqualTo(request.getMetadata());
        Tokenizer tokenizer = tokenizer(engine);
        String text = tokenizer == null ? null : tokenizer.decode(sequence);
        if (text != null && expected.finishReason() == FinishReason.STOP) {
            text = cutAtStop(text, request.getStop());
        }
        assertThat(actual.getText()).as("text of %s", request.getRequestId()).isEqualTo(text);
    }

    /** The text before the earliest of the stop strings. */
    public static String cutAtStop(String text, List<String> stop) {
        int cut = text.length();
        for (String s : stop) {
            int at = text.indexOf(s);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return text.substring(0, cut);
    }

    private static final Map<Path, Optional<Tokenizer>> TOKENIZERS = new ConcurrentHashMap<>();

    /**
     * The tokenizer of the engine's model directory (Marian's SentencePiece files, a language model's
     * tokenizer.json), or null when it has none.
     */
    public static Tokenizer tokenizer(Engine engine) {
        return TOKENIZERS.computeIfAbsent(engine.modelDir(), dir -> {
            if (engine.encoderDecoder()) {
                return MarianTokenizer.missingFiles(dir).isEmpty() ? Optional.of(MarianTokenizer.load(dir))
                        : Optional.empty();
            }
            return Files.isRegularFile(dir.resolve(HfTokenizer.FILE_NAME)) ? Optional.of(HfTokenizer.load(dir))
                    : Optional.empty();
        }).orElse(null);
    }

    /**
     * The ids the app feeds the engine for a request: its input_ids, its text tokenized, or its messages rendered
     * with the model's chat template (generation prompt on) and tokenized.
     */
    public static int[] sourceIds(Engine engine, InferenceRequest request) {
        if (!request.getMessages().isEmpty()) {
            List<ChatMessage> messages = request.getMessages().stream()
                    .map(m -> new ChatMessage(m.getRole(), m.getContent())).toList();
            return ChatTemplate.load(engine.modelDir()).encode((HfTokenizer) tokenizer(engine), messages, true);
        }
        return request.getText() != null ? tokenizer(engine).encode(request.getText(), true)
                : DecodeStates.toArray(request.getInputIds());
    }
}
