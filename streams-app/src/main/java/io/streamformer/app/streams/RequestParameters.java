package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationConfig;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.schemas.InferenceRequest;

/**
 * A request's effective generation settings: the model's generation_config.json overridden by the request's
 * parameters. A request that sets no max_new_tokens gets the model's default, capped at the app's limit
 * (models often default to their full context, e.g. 512).
 */
public final class RequestParameters {
    private final GenerationConfig defaults;
    private final int maxNewTokensLimit;

    public RequestParameters(GenerationConfig defaults, int maxNewTokensLimit) {
        this.defaults = defaults;
        this.maxNewTokensLimit = maxNewTokensLimit;
    }

    /** Settings for a new request; a random seed is drawn when the request sets none. */
    public GenerationParams resolve(InferenceRequest request) {
        return resolve(request, request.getSeed());
    }

    /** Settings with the given seed: the one stored in the decode state when a request resumes. */
    public GenerationParams resolve(InferenceRequest request, Long seed) {
        GenerationOverrides overrides = new GenerationOverrides(request.getMaxNewTokens(), null,
                request.getNumBeams(), request.getDoSample(), request.getTemperature(), request.getTopK(),
                request.getTopP(), seed, null, null);
        GenerationParams params = defaults.resolve(overrides);
        if (request.getMaxNewTokens() == null && params.maxNewTokens() > maxNewTokensLimit) {
            params = defaults.resolve(overrides.withMaxNewTokens(maxNewTokensLimit).withSeed(params.seed()));
        }
        return params;
    }

    /** The model's defaults (always valid parameters): used to tell bad input from bad parameters. */
    public GenerationParams modelDefaults() {
        return resolve(InferenceRequest.newBuilder().setRequestId("").setInputIds(java.util.List.of()).build(), 0L);
    }
}
