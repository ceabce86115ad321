package io.streamformer.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.streamformer.accelerator.backends.jvm.MemoryBandwidth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code memory-bandwidth}: how fast the JVM backend's threads read memory, the limit of a memory-bound decoding step
 * (weight bytes per step × steps per second, which {@code bench} prints, against this).
 */
@Command(name = "memory-bandwidth", mixinStandardHelpOptions = true,
        description = "Measure the read bandwidth the kernels' threads get; prints one JSON line.")
public final class MemoryBandwidthCommand implements Callable<Integer> {

    @Option(names = "--threads", paramLabel = "N", description = "Reading threads (default: the machine's cores).")
    Integer threads;

    @Option(names = "--mib", defaultValue = "1024", paramLabel = "MIB",
            description = "Size of the array read, far beyond the caches (default 1024).")
    int mib;

    @Option(names = "--passes", defaultValue = "10", paramLabel = "N", description = "Timed passes over it.")
    int passes;

    @Override
    public Integer call() throws JsonProcessingException {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        MemoryBandwidth.Result r = MemoryBandwidth.measure(t, (long) mib << 20, passes);
        System.out.println(JsonLines.JSON.writeValueAsString(JsonLines.JSON.createObjectNode()
                .put("threads", r.threads()).put("bytes", r.bytes()).put("passes", r.passes())
                .put("best_gb_per_s", Math.round(r.bestGbPerS() * 10) / 10.0)
                .put("median_gb_per_s", Math.round(r.medianGbPerS() * 10) / 10.0)));
        return 0;
    }
}
