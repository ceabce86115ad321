package io.streamformer.accelerator.decoding;

/** Why a sequence stopped: it chose EOS, or it reached its length limit. */
public enum FinishReason {
    EOS, LENGTH
}
