package io.streamformer.accelerator.decoding;

/** Why a sequence stopped: it chose EOS, it reached its length limit, or a stop string appeared in its text. */
public enum FinishReason {
    EOS, LENGTH, STOP
}
