package io.streamformer.accelerator.models;

/** Progress of long work (model loading), for a progress bar or a log line. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, what) -> { };

    void progress(long done, long total, String what);
}
