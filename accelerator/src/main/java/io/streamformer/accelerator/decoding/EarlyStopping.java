package io.streamformer.accelerator.decoding;

/** Beam search's stopping rule, as Hugging Face's {@code early_stopping}: true, false or "never". */
public enum EarlyStopping {
    /** Stop once num_beams hypotheses are finished. */
    TRUE,
    /** Stop when no live beam can beat the worst finished one, estimated at the current length. */
    FALSE,
    /** Stop only when no live beam can beat the worst finished one at any length (exact). */
    NEVER
}
