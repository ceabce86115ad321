package io.streamformer.accelerator.scheduler;

/** A request that cannot be run as given (bad ids, parameters or sizes); the message says why. */
public final class RequestRejectedException extends RuntimeException {
    public RequestRejectedException(String reason) {
        super(reason);
    }
}
