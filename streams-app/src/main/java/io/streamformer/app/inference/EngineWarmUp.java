package io.streamformer.app.inference;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Untimed work through the engine before the app takes traffic, so that the JIT has compiled every kernel path the
 * first requests take and the buffers have their working size: the first request is then as fast as the
 * thousandth. Each round runs greedy decoding alone and at the full batch limit (the backend's argmax path), beam
 * search (the logits path) and sampling, on random inputs of a few lengths, until {@code steps} decoding steps are
 * done.
 */
public final class EngineWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(EngineWarmUp.class);

    private EngineWarmUp() {
    }

    /** Runs at least {@code steps} decoding steps (0: none); returns them. */
    public static long run(Engine engine, SchedulerLimits limits, int steps) {
        if (steps <= 0) {
            return 0;
        }
        long start = System.nanoTime();
        ModelInfo info = engine.info();
        SplittableRandom random = new SplittableRandom(1);
        int maxSource = Math.min(limits.maxSourceLength(), 32);
        int maxNew = Math.max(1, Math.min(16, limits.maxDecoderLength() - (info.encoderDecoder() ? 1 : maxSource)));
        int batch = Math.max(1, Math.min(limits.maxActiveRequests(), limits.maxActiveSequences()));
        int beams = Math.min(4, limits.maxActiveSequences());
        long[] done = {0};
        while (done[0] < steps) {
            run(engine, inputs(info, random, 1, maxSource), GenerationOverrides.NONE.withNumBeams(1)
                    .withMaxNewTokens(maxNew).withMinNewTokens(maxNew), 1, done);
            run(engine, inputs(info, random, batch, maxSource), GenerationOverrides.NONE.withNumBeams(1)
                    .withMaxNewTokens(maxNew).withMinNewTokens(maxNew), batch, done);
            if (beams > 1) {
                run(engine, inputs(info, random, Math.max(1, batch / beams), maxSource),
                        GenerationOverrides.NONE.withNumBeams(beams).withMaxNewTokens(maxNew), batch, done);
            }
            run(engine, inputs(info, random, 2, maxSource), new GenerationOverrides(maxNew, maxNew, 1, true, 0.8, 20,
                    0.9, 7L, null, null), batch, done);
        }
        LOG.info("Engine warmed up: {} decoding steps in {} ms (greedy alone and at batch {}, {} beams, sampling)",
                done[0], (System.nanoTime() - start) / 1_000_000, batch, beams);
        return done[0];
    }

    private static void run(Engine engine, List<int[]> inputs, GenerationOverrides o, int batch, long[] steps) {
        List<GenerationParams> params = inputs.stream().map(in -> engine.params(o, in)).toList();
        engine.generate(inputs, params, batch, report -> steps[0]++);
    }

    /** {@code n} random inputs of lengths from 2 to {@code maxLength}, an encoder's ending with EOS. */
    private static List<int[]> inputs(ModelInfo info, SplittableRandom random, int n, int maxLength) {
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(info.randomInput(random, 2 + random.nextInt(Math.max(1, maxLength - 1))));
        }
        return out;
    }
}
