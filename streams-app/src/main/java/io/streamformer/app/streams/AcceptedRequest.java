package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.schemas.InferenceRequest;

/** A decoded and validated request, with its effective generation settings (seed included). */
public record AcceptedRequest(InferenceRequest request, GenerationParams params) {
}
