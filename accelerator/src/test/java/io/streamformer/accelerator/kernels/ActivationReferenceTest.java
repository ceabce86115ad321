package io.streamformer.accelerator.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * The activations against PyTorch's values (float64 on the same float32 inputs), written by
 * tools/fixtures/make_activation_reference.py: an independent reference, not the erf or tanh under test.
 * Tolerance: 8 float32 ulps of the value, or 1.2e-7 |x| where 0.5 x (1 + erf) and the like cancel in float32
 * (two ulps of the bracket near 1, 2 ulp(1), times 0.5 |x|), whichever is larger.
 */
class ActivationReferenceTest {
    private static JsonNode reference() throws IOException {
        try (InputStream in = ActivationReferenceTest.class.getResourceAsStream("/reference/activations.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gelu", "gelu_new", "silu", "relu"})
    void scalarAndVectorPathsMatchPyTorch(String name) throws IOException {
        JsonNode ref = reference();
        Activation activation = Activation.fromHuggingFace(name).orElseThrow();
        JsonNode xs = ref.path("x");
        JsonNode expected = ref.path("values").path(name);
        assertThat(expected.size()).isEqualTo(xs.size()).isGreaterThan(300);
        float[] vector = new float[xs.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) xs.get(i).asDouble();
        }
        activation.applyInPlace(vector, 0, vector.length);
        double worst = 0;
        for (int i = 0; i < vector.length; i++) {
            float x = (float) xs.get(i).asDouble();
            double want = expected.get(i).asDouble();
            double tolerance = Math.max(8 * Math.ulp((float) want), 1.2e-7 * Math.abs(x));
            float scalar = activation.apply(x);
            assertThat((double) scalar).as("%s(%s) scalar", name, x).isCloseTo(want, offset(tolerance));
            assertThat((double) vector[i]).as("%s(%s) vectorised", name, x).isCloseTo(want, offset(tolerance));
            worst = Math.max(worst, Math.abs(vector[i] - want) / tolerance);
            // the other kernel tests' reference, in double: far closer to torch's float64 than float32 can be
            assertThat(ReferenceKernels.activation(activation, x)).as("%s(%s) reference kernel", name, x)
                    .isCloseTo(want, offset(1e-9 * Math.max(1, Math.abs(want))));
        }
        System.out.printf("%s: %d inputs, worst error %.2f of the tolerance%n", name, vector.length, worst);
    }
}
