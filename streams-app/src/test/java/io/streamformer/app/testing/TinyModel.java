package io.streamformer.app.testing;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.app.BundledModels;
import io.streamformer.app.streams.DecodeStates;
import io.streamformer.schemas.InferenceRequest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The bundled tiny Marian model (vocabulary 96), requests for it and the engine's direct answers. */
public final class TinyModel {
    public static final int VOCAB = 96;

    private TinyModel() {
    }

    public static Path dir() {
        return BundledModels.extract(BundledModels.TINY_MARIAN);
    }

    public static Engine load() {
        return Engine.load(dir(), new JvmBackend(1), ProgressListener.NONE);
    }

    public static InferenceRequest.Builder request(String id, int... inputIds) {
        return InferenceRequest.newBuilder().setRequestId(id).setInputIds(DecodeStates.ints(inputIds))
                .setMetadata(Map.of("case", id));
    }

    /**
     * {@code n} valid requests: random inputs ending with EOS, a mix of the model's default search (greedy for the
     * tiny model, 4 beams for {@link TextModel}), beam search (2 beams) and seeded sampling, max_new_tokens between
     * {@code minNew} and {@code maxNew}. Also valid for TextModel (ids below 96).
     */
    public static List<InferenceRequest> mixedRequests(int n, long seed, int minNew, int maxNew) {
        Random rnd = new Random(seed);
        List<InferenceRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + rnd.nextInt(8);
            int[] ids = new int[len];
            for (int j = 0; j < len - 1; j++) {
                ids[j] = 1 + rnd.nextInt(VOCAB - 2);
            }
            ids[len - 1] = 0;
            InferenceRequest.Builder b = request(String.format("req-%03d", i), ids)
                    .setMaxNewTokens(minNew + rnd.nextInt(maxNew - minNew + 1));
            switch (i % 3) {
                case 1 -> b.setNumBeams(2);
                case 2 -> b.setNumBeams(1).setDoSample(true).setTopK(20).setTemperature(0.9).setSeed(1000L + i);
                default -> { }
            }
            out.add(b.build());
        }
        return out;
    }

    /**
     * What engine.generate() answers for this request alone (same seed, same settings), from its input_ids or its
     * text tokenized with the model's tokenizer.
     */
    public static GenerationResult expected(Engine engine, InferenceRequest request) {
        int[] source = Results.sourceIds(engine, request);
        GenerationParams params = params(engine, request);
        GenerationResult full = engine.generate(List.of(source), params, 1, null).get(0);
        if (request.getStop().isEmpty()) {
            return full;
        }
        // with stop strings: the sequence up to the first token after which the new text holds one of them,
        // scored as a run that ends there (greedy and seeded sampling choose the same tokens up to it)
        int prompt = engine.promptLength(source);
        var tokenizer = Results.tokenizer(engine);
        for (int n = 1; n <= full.sequence().length - prompt; n++) {
            String text = tokenizer.decode(java.util.Arrays.copyOfRange(full.sequence(), prompt, prompt + n));
            if (!Results.cutAtStop(text, request.getStop()).equals(text)) {
                var shorter = new GenerationParams(n, Math.min(n, params.minNewTokens()), params.numBeams(),
                        params.doSample(), params.temperature(), params.topK(), params.topP(), params.seed(),
                        params.lengthPenalty(), params.earlyStopping(), params.repetitionPenalty(),
                        params.eosTokenIds(), params.padTokenId(), params.decoderStartTokenId(),
                        params.forcedEosTokenId(), params.badWordsIds());
                GenerationResult cut = engine.generate(List.of(source), shorter, 1, null).get(0);
                return new GenerationResult(cut.sequence(), cut.score(),
                        io.streamformer.accelerator.decoding.FinishReason.STOP, n);
            }
        }
        return full;
    }

    /**
     * The request's generation settings on this engine, built here from the request's fields (not with the app's
     * RequestParameters, whose result they check): the model's defaults overridden by each field the request
     * sets, seed 0 when it has none.
     */
    public static GenerationParams params(Engine engine, InferenceRequest request) {
        var overrides = new GenerationOverrides(request.getMaxNewTokens(), null, request.getNumBeams(),
                request.getDoSample(), request.getTemperature(), request.getTopK(), request.getTopP(),
                request.getSeed() != null ? request.getSeed() : 0L, null, null, request.getRepetitionPenalty());
        return engine.params(overrides, Results.sourceIds(engine, request));
    }
}
