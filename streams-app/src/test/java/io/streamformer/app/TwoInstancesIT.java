package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.StoredCheckpoints;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the app (each with its own engine) share the 4 partitions of the input topic; one is
 * stopped midway. The other takes over its partitions, restores their decode state and finishes their
 * requests: every request is answered exactly once.
 */
class TwoInstancesIT {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();
    private static Engine engine;

    @BeforeAll
    static void loadModel() {
        engine = TinyModel.load();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    private static StreamFormerApp start(long stepDelayMs) {
        Properties props = TestApps.config(KAFKA.bootstrapServers(), "two-instances", "two");
        props.put(StreamFormerConfig.DEBUG_STEP_DELAY_MS, Long.toString(stepDelayMs));
        return StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "test"));
    }

    @Test
    void whenOneOfTwoInstancesStopsTheOtherFinishesItsRequestsAndEachIsAnsweredOnce() throws Exception {
        KAFKA.kafka().createTopics(4, "two-in", "two-out", "two-dlq");
        List<InferenceRequest> requests = TinyModel.mixedRequests(24, 5, 20, 35);
        List<InferenceResult> results = new ArrayList<>();

        // A decodes slowly (200 ms a step: a request takes seconds), so that it has unfinished work when it stops
        try (StreamFormerApp a = start(200); StreamFormerApp b = start(15);
             RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "two-in", "two-out", "two-dlq",
                     StreamFormerSerdes.singleObject())) {
            awaitBothOwnPartitions(a, b);
            requests.forEach(client::send);
            client.flush();

            // one of A's requests has committed progress; at 200 ms a step A is far from done with it
            java.util.Set<Integer> partitionsOfA = partitions(a);
            StoredCheckpoints.await(KAFKA.bootstrapServers(), "two-instances",
                    state -> state.getStep() >= 2 && partitionsOfA.contains(state.getSource().getPartition()),
                    () -> null);
            a.close();
            assertThat(results).hasSizeLessThan(requests.size());

            results.addAll(Results.collect(client, requests.size() - results.size(), 0, Duration.ofSeconds(120),
                    Duration.ofSeconds(3)).results());
            assertThat(b.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
        Results.assertExactlyOneEach(requests, results, engine);
        assertThat(results).as("B resumed requests A had started").anyMatch(r -> r.getResumedFromStep() > 0);
    }

    private static void awaitBothOwnPartitions(StreamFormerApp a, StreamFormerApp b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (activeTasks(a) + activeTasks(b) < 4 || activeTasks(a) == 0 || activeTasks(b) == 0
                || a.streams().state() != KafkaStreams.State.RUNNING || b.streams().state() != KafkaStreams.State.RUNNING) {
            assertThat(System.nanoTime()).as("both instances running with partitions within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The input partitions the app's active tasks read. */
    private static java.util.Set<Integer> partitions(StreamFormerApp app) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        app.streams().metadataForLocalThreads().forEach(t -> t.activeTasks().forEach(task ->
                task.topicPartitions().forEach(tp -> out.add(tp.partition()))));
        return out;
    }

    private static int activeTasks(StreamFormerApp app) {
        return app.streams().metadataForLocalThreads().stream().mapToInt((ThreadMetadata t) -> t.activeTasks().size())
                .sum();
    }
}
