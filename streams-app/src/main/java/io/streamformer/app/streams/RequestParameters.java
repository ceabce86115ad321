package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationConfig;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.schemas.InferenceRequest;

/**
 * A request's effective generation settings: the model's generation_config.json overridden by the request's
 * parameters. A request that sets no max_new_tokens gets the model's default, capped at the app's limit
 * (models often default to their full context, e.g. 512). For a language model the prompt is the request's
 * input_ids (max_length and min_length count it, as in transformers); a translation model's decoder prompt is its
 * start token.
 */
public final class RequestParameters {
    private final GenerationConfig defaults;
    private final int maxNewTokensLimit;
    private final boolean encoderDecoder;

    public RequestParameters(GenerationConfig defaults, int maxNewTokensLimit, boolean encoderDecoder) {
        this.defaults = defaults;
        this.maxNewTokensLimit = maxNewTokensLimit;
        this.encoderDecoder = encoderDecoder;
    }

    /** Settings for a new request (its input_ids already tokenized); a random seed is drawn when it sets none. */
    public GenerationParams resolve(InferenceRequest request) {
        return resolve(request, request.getSeed());
    }

    /** Settings with the given seed: the one stored in the decode state when a request resumes. */
    public GenerationParams resolve(InferenceRequest request, Long seed) {
        GenerationOverrides overrides = new GenerationOverrides(request.getMaxNewTokens(), null,
                request.getNumBeams(), request.getDoSample(), request.getTemperature(), request.getTopK(),
                request.getTopP(), seed, null, null, request.getRepetitionPenalty());
        int promptLength = encoderDecoder ? 1 : Math.max(1, request.getInputIds().size());
        GenerationParams params = defaults.resolve(overrides, promptLength);
        if (request.getMaxNewTokens() == null && params.maxNewTokens() > maxNewTokensLimit) {
            params = defaults.resolve(overrides.withMaxNewTokens(maxNewTokensLimit).withSeed(params.seed()),
                    promptLength);
        }
        return params;
    }

    /** The model's defaults (always valid parameters) for this request's input: tells bad input from bad settings. */
    public GenerationParams modelDefaults(InferenceRequest request) {
        return resolve(InferenceRequest.newBuilder().setRequestId("").setInputIds(request.getInputIds()).build(), 0L);
    }
}
