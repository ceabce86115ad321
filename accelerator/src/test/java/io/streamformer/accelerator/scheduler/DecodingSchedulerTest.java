package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.HfFixture;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.SearchSnapshot;
import io.streamformer.accelerator.models.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecodingSchedulerTest {
    private Engine engine;
    private List<int[]> sources;

    @BeforeAll
    void load() {
        HfFixture fixture = HfFixture.load("marian");
        engine = Engine.load(fixture.dir(), new JvmBackend(2), ProgressListener.NONE);
        sources = new ArrayList<>();
        fixture.cases().forEach(c -> sources.add(c.inputIds()));
        sources.add(new int[]{3, 9, 27, 81, 1, 0});
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private GenerationParams params(int beams, boolean sample) {
        return engine.generationConfig().resolve(new GenerationOverrides(10, null, beams, sample, sample ? 0.9 : null,
                sample ? 20 : null, sample ? 0.95 : null, 1234L, null, null));
    }

    private Map<String, GenerationResult> runToEnd(DecodingScheduler s) {
        Map<String, GenerationResult> results = new HashMap<>();
        while (!s.isIdle()) {
            StepReport r = s.step();
            assertThat(r.failed()).isEmpty();
            r.completed().forEach(c -> results.put(c.request().id(), c.result()));
        }
        return results;
    }

    @Test
    void aResumedRequestFinishesExactlyAsAnUninterruptedOne() {
        SchedulerLimits limits = SchedulerLimits.forBatch(4, 3, 16, 16);
        for (GenerationParams p : List.of(params(1, false), params(3, false), params(1, true))) {
            for (int i = 0; i < sources.size(); i++) {
                GenerationResult uninterrupted = engine.generate(List.of(sources.get(i)), p, 1, null).get(0);
                for (int stopAfter = 1; stopAfter < uninterrupted.generatedTokens(); stopAfter += 3) {
                    SearchSnapshot snapshot = null;
                    try (DecodingScheduler first = engine.newScheduler(limits)) {
                        first.submit(new GenerationRequest("r", sources.get(i), p));
                        for (int step = 0; step < stopAfter; step++) {
                            StepReport report = first.step();
                            if (!report.progress().isEmpty()) {
                                snapshot = report.progress().get(0).snapshot();
                            }
                        }
                    }
                    assertThat(snapshot).isNotNull();
                    assertThat(snapshot.step()).isEqualTo(stopAfter);
                    try (DecodingScheduler second = engine.newScheduler(limits)) {
                        second.submit(new GenerationRequest("r", sources.get(i), p, snapshot, null));
                        GenerationResult resumed = runToEnd(second).get("r");
                        assertThat(resumed.sequence()).as("beams=%d sample=%s source %d resumed after %d",
                                p.numBeams(), p.doSample(), i, stopAfter).isEqualTo(uninterrupted.sequence());
                        assertThat(resumed.score()).isEqualTo(uninterrupted.score());
                    }
                }
            }
        }
    }

    @Test
    void requestsJoinAndLeaveTheRunningBatchBetweenSteps() {
        GenerationParams shortRun = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(3));
        GenerationParams longRun = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(9)
                .withMinNewTokens(9));
        try (DecodingScheduler s = engine.newScheduler(SchedulerLimits.forBatch(2, 1, 16, 16))) {
            s.submit(new GenerationRequest("long", sources.get(0), longRun));
            s.submit(new GenerationRequest("short", sources.get(1), shortRun));
            s.submit(new GenerationRequest("late", sources.get(2), shortRun));
            StepReport first = s.step();
            assertThat(first.admitted()).isEqualTo(2);
            assertThat(first.sequences()).isEqualTo(2);
            assertThat(s.pendingRequests()).isEqualTo(1); // waits: only 2 request slots
            List<String> order = new ArrayList<>();
            int stepOfLateAdmission = -1;
            for (int step = 2; !s.isIdle(); step++) {
                StepReport r = s.step();
                r.completed().forEach(c -> order.add(c.request().id()));
                if (r.admitted() == 1) {
                    stepOfLateAdmission = step;
                }
            }
            // "short" left after 3 steps and "late" took its slot at the next step, before "long" finished
            assertThat(stepOfLateAdmission).isEqualTo(4);
            assertThat(order).containsExactly("short", "late", "long");
        }
    }

    @Test
    void theQueueBoundSignalsBackPressure() {
        GenerationParams p = params(1, false);
        try (DecodingScheduler s = engine.newScheduler(new SchedulerLimits(1, 1, 16, 16, 1000, 2))) {
            s.submit(new GenerationRequest("a", sources.get(0), p));
            assertThat(s.canAccept()).isTrue();
            s.submit(new GenerationRequest("b", sources.get(1), p));
            assertThat(s.canAccept()).isFalse();
            s.step(); // admits "a"
            assertThat(s.canAccept()).isTrue();
        }
    }

    @Test
    void invalidRequestsAreRejectedWithTheReason() {
        try (DecodingScheduler s = engine.newScheduler(new SchedulerLimits(2, 4, 8, 16, 1000, 10))) {
            GenerationParams ok = params(1, false);
            assertThatThrownBy(() -> s.submit(new GenerationRequest("e", new int[0], ok)))
                    .hasMessage("input_ids is empty");
            assertThatThrownBy(() -> s.submit(new GenerationRequest("l", new int[9], ok)))
                    .hasMessage("input_ids has 9 tokens, more than the limit of 8");
            assertThatThrownBy(() -> s.submit(new GenerationRequest("v", new int[]{1, 96, 0}, ok)))
                    .hasMessage("input_ids[1] = 96 lies outside the model's vocabulary [0, 96)");
            GenerationParams tooLong = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(40));
            assertThatThrownBy(() -> s.submit(new GenerationRequest("m", new int[]{1, 0}, tooLong)))
                    .hasMessage("max_new_tokens 40 exceeds the limit of 15");
            GenerationParams noBeams = engine.generationConfig().resolve(GenerationOverrides.NONE.withNumBeams(0));
            assertThatThrownBy(() -> s.submit(new GenerationRequest("b", new int[]{1, 0}, noBeams)))
                    .hasMessage("num_beams must be at least 1, got 0");
            GenerationParams zero = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(0));
            assertThatThrownBy(() -> s.submit(new GenerationRequest("z", new int[]{1, 0}, zero)))
                    .hasMessage("max_new_tokens must be at least 1, got 0");
            assertThat(s.isIdle()).isTrue();
        }
    }
}
