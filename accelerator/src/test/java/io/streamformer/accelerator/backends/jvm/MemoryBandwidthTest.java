package io.streamformer.accelerator.backends.jvm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bandwidth probe reads every value of its array exactly once per pass, whatever the split into threads and
 * streams (it checks the sum of what it read and throws when a value was missed or read twice).
 */
class MemoryBandwidthTest {

    @ParameterizedTest
    @CsvSource({"1, 1048576", "2, 1048576", "2, 1050624", "3, 1052672"})
    void readsTheWholeArray(int threads, long bytes) {
        MemoryBandwidth.Result r = MemoryBandwidth.measure(threads, bytes, 2);
        assertThat(r.bytes()).isLessThanOrEqualTo(bytes).isGreaterThan(bytes - 4L * 8 * 16);
        assertThat(r.bestGbPerS()).isPositive().isGreaterThanOrEqualTo(r.medianGbPerS());
    }
}
