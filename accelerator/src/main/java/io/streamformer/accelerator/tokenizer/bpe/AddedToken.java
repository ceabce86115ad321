package io.streamformer.accelerator.tokenizer.bpe;

/**
 * An entry of tokenizer.json's {@code added_tokens} (or tokenizer_config.json's {@code added_tokens_decoder}):
 * a string matched in the text before normalization and BPE. {@code special} tokens are control tokens:
 * they are plain text in user input and are dropped by decode. {@code lstrip}/{@code rstrip} make a match
 * swallow the whitespace on its left/right; {@code normalized} tokens are matched in normalized text.
 */
record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean normalized) {
}
