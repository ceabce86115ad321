package io.streamformer.accelerator.kernels;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Hugging Face Marian's layout: all sines in the first half, all cosines in the second. */
class SinusoidalPositionsTest {
    @Test
    void firstHalfSinesSecondHalfCosines() {
        int d = 8;
        float[] t = Embeddings.marianSinusoidal(5, d);
        for (int pos = 0; pos < 5; pos++) {
            for (int c = 0; c < d / 2; c++) {
                double angle = pos / Math.pow(10000, 2.0 * c / d);
                assertThat((double) t[pos * d + c]).isCloseTo(Math.sin(angle), within(1e-7));
                assertThat((double) t[pos * d + d / 2 + c]).isCloseTo(Math.cos(angle), within(1e-7));
            }
        }
        // position 0: sin 0 = 0 everywhere in the first half, cos 0 = 1 in the second
        assertThat(t[0]).isZero();
        assertThat(t[d / 2]).isEqualTo(1f);
    }
}
