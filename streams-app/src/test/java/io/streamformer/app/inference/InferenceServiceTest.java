package io.streamformer.app.inference;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.app.testing.TinyModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared inference thread: room, hand-over, results per task, cancellation. */
class InferenceServiceTest {
    private static Engine engine;
    private InferenceService service;

    @BeforeAll
    static void loadModel() {
        engine = TinyModel.load();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private static GenerationParams params(int maxNewTokens) {
        return engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(maxNewTokens));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void roomIsTheRunningBatchPlusTheQueueAndWaitingForItIsBounded() {
        service = InferenceService.start(engine, "tiny", new SchedulerLimits(2, 4, 64, 64, 1 << 20, 3), 0,
                new SimpleMeterRegistry());
        for (int i = 0; i < 5; i++) {
            assertThat(service.tryReserve()).as("unit %d of 5", i + 1).isTrue();
        }
        assertThat(service.tryReserve()).isFalse();
        assertThat(service.awaitRoom(50)).as("no room frees up: the wait ends empty-handed").isFalse();
        // a waiter gets the room that is given back while it waits
        var got = new java.util.concurrent.CompletableFuture<Boolean>();
        Thread waiter = new Thread(() -> got.complete(service.awaitRoom(60_000)));
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        service.unreserve();
        assertThat(got.join()).isTrue();
        assertThat(service.tryReserve()).as("the waiter took the unit given back").isFalse();
    }

    @Test
    void requestsOfTwoTasksAreDecodedTogetherAndEachTaskGetsItsOwnResults() throws Exception {
        service = InferenceService.start(engine, "tiny", new SchedulerLimits(4, 8, 64, 64, 1 << 20, 4), 0,
                new SimpleMeterRegistry());
        TaskMailbox a = new TaskMailbox("task a");
        TaskMailbox b = new TaskMailbox("task b");
        for (int i = 0; i < 3; i++) {
            assertThat(service.tryReserve()).isTrue();
            service.submit(new InferenceJob(a, "a-" + i, new int[]{5 + i, 7, 0}, params(8), null, null));
            assertThat(service.tryReserve()).isTrue();
            service.submit(new InferenceJob(b, "b-" + i, new int[]{9, 11 + i, 0}, params(8), null, null));
        }
        List<TaskMailbox.Outcome> fromA = new ArrayList<>();
        List<TaskMailbox.Outcome> fromB = new ArrayList<>();
        await(() -> {
            fromA.addAll(a.takeOutcomes());
            fromB.addAll(b.takeOutcomes());
            return fromA.size() == 3 && fromB.size() == 3;
        });
        assertThat(fromA).extracting(TaskMailbox.Outcome::key).containsExactlyInAnyOrder("a-0", "a-1", "a-2");
        assertThat(fromB).extracting(TaskMailbox.Outcome::key).containsExactlyInAnyOrder("b-0", "b-1", "b-2");
        assertThat(fromA).noneMatch(TaskMailbox.Outcome::failed);
        assertThat(service.inFlight()).isZero();
        assertThat(service.registry().get("streamformer.batch.sequences").summary().max())
                .as("both tasks' requests in one step").isGreaterThan(3);
    }

    @Test
    void cancellingATaskDropsItsRequestsFreesTheirRoomAndSilencesItsMailbox() throws Exception {
        // 20 ms per step: the requests are still running when the task goes away
        service = InferenceService.start(engine, "tiny", new SchedulerLimits(2, 4, 64, 64, 1 << 20, 2), 20,
                new SimpleMeterRegistry());
        TaskMailbox revoked = new TaskMailbox("revoked task");
        for (int i = 0; i < 4; i++) {
            assertThat(service.tryReserve()).isTrue();
            service.submit(new InferenceJob(revoked, "k-" + i, new int[]{5, 6, 0}, params(40), null, null));
        }
        await(() -> !revoked.takeProgress().isEmpty());

        service.cancelAll(revoked);

        await(() -> service.inFlight() == 0);
        Thread.sleep(100);
        assertThat(revoked.takeOutcomes()).isEmpty();
        assertThat(revoked.takeProgress()).isEmpty();
    }

    @Test
    void aRequestTheEngineRefusesComesBackAsAFailureWithTheReason() throws Exception {
        service = InferenceService.start(engine, "tiny", new SchedulerLimits(2, 4, 64, 16, 1 << 20, 2), 0,
                new SimpleMeterRegistry());
        TaskMailbox mailbox = new TaskMailbox("task");
        assertThat(service.tryReserve()).isTrue();
        service.submit(new InferenceJob(mailbox, "too-long", new int[]{5, 0}, params(40), null, null));
        List<TaskMailbox.Outcome> outcomes = new ArrayList<>();
        await(() -> outcomes.addAll(mailbox.takeOutcomes()) && !outcomes.isEmpty());
        assertThat(outcomes.get(0).failed()).isTrue();
        assertThat(outcomes.get(0).error()).contains("max_new_tokens 40 exceeds the limit of 15");
        assertThat(service.inFlight()).isZero();
    }
}
