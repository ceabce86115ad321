package io.streamformer.accelerator.backends.tornadovm;

import uk.ac.manchester.tornado.api.TornadoExecutionResult;

import java.util.HashSet;
import java.util.Set;

/**
 * Sums of TornadoVM's profiler over graph executions (the first execution of each graph per plan left out: it
 * includes TornadoVM's remaining set-up work), reported on close when {@code streamformer.tornadovm.profile} is set.
 */
final class Profile {
    private final Set<String> seen = new HashSet<>();
    private long executions;
    private long wallNanos;
    private long kernelNanos;
    private long transferNanos;
    private long bytesIn;
    private long reads;
    private long readNanos;
    private long bytesOut;

    void execution(String graph, long wall, TornadoExecutionResult result) {
        if (seen.add(graph)) {
            return;
        }
        var p = result.getProfilerResult();
        executions++;
        wallNanos += wall;
        kernelNanos += p.getDeviceKernelTime();
        transferNanos += p.getDataTransfersTime();
        bytesIn += p.getTotalBytesCopyIn();
    }

    void read(long nanos, long bytes) {
        reads++;
        readNanos += nanos;
        bytesOut += bytes;
    }

    void report(String statistics) {
        if (executions == 0) {
            return;
        }
        System.err.printf("tornadovm: %s; per graph execution: %.3f ms wall, %.3f ms in kernels, %.3f ms in"
                        + " transfers, %.1f KB in; per read: %.3f ms, %.1f KB out%n", statistics,
                wallNanos / 1e6 / executions, kernelNanos / 1e6 / executions, transferNanos / 1e6 / executions,
                bytesIn / 1e3 / executions, readNanos / 1e6 / Math.max(1, reads), bytesOut / 1e3 / Math.max(1, reads));
    }
}
