package io.streamformer.app.testing;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.app.client.RequestClient;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
                        + " dead letters");
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

    public static void assertSameAsEngine(Engine engine, InferenceRequest request, InferenceResult actual) {
        GenerationResult expected = TinyModel.expected(engine, request);
        assertThat(actual.getSequence()).as("sequence of %s", request.getRequestId())
                .containsExactly(Arrays.stream(expected.sequence()).boxed().toArray(Integer[]::new));
        assertThat(actual.getFinishReason().name()).as("finish reason of %s", request.getRequestId())
                .isEqualTo(expected.finishReason().name());
        assertThat(actual.getScore()).as("score of %s", request.getRequestId()).isCloseTo(expected.score(), within(1e-4));
        assertThat(actual.getGeneratedTokens()).isEqualTo(expected.generatedTokens());
        assertThat(actual.getInputIds()).isEqualTo(request.getInputIds());
        assertThat(actual.getMetadata()).isEqualTo(request.getMetadata());
    }
}
