package io.streamformer.accelerator.decoding;

/**
 * The outcome of one request: {@code sequence} follows generate()'s convention (the decoder ids starting
 * with decoder_start_token_id); {@code score} is the sum of log-probabilities over generated_length^length_penalty,
 * as transformers' sequences_scores.
 */
public record GenerationResult(int[] sequence, double score, FinishReason finishReason, int generatedTokens) {
}
