package io.streamformer.accelerator.scheduler;

/**
 * Says after each step whether a request should end now (finish reason STOP): e.g. a stop string appeared in the
 * text decoded so far. Called on the inference thread with the sequence so far, its decoder prompt included.
 */
@FunctionalInterface
public interface StopCondition {
    boolean shouldStop(int[] sequence, int promptLength);
}
