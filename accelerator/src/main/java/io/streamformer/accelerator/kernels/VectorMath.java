package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic vector math. The Vector API's own EXP/TANH and float reduceLanes(ADD) may give different
 * last bits in interpreted and in JIT-compiled code, so a sequence could come out differently early and
 * late in a process. These functions use only exactly-rounded operations (add, mul, fma, conversions,
 * shifts), so every execution mode gives the same bits, and the scalar forms equal the vector lanes.
 */
public final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // just below ln(Float.MAX_VALUE); larger inputs saturate at about 3.4e38 instead of overflowing
    private static final float MAX_X = 88.72283f;
    private static final float MIN_X = -87.3365447505531f;
    // Cephes expf polynomial for e^r - 1 - r on [-ln2/2, ln2/2], about 1 ulp overall.
    private static final float P0 = 1.9875691500E-4f;
    private static final float P1 = 1.3981999507E-3f;
    private static final float P2 = 8.3334519073E-3f;
    private static final float P3 = 4.1665795894E-2f;
    private static final float P4 = 1.6666665459E-1f;
    private static final float P5 = 5.0000001201E-1f;

    private VectorMath() {
    }

    public static FloatVector exp(FloatVector x) {
        var underflow = x.lt(MIN_X);
        FloatVector xc = x.max(MIN_X).min(MAX_X);
        FloatVector t = xc.mul(LOG2E);
        // round half away from zero, then truncate: n = (int) (t + copysign(0.5, t))
        FloatVector half = FloatVector.broadcast(S, 0.5f).blend(-0.5f, t.lt(0f));
        IntVector n = (IntVector) t.add(half).convert(VectorOperators.F2I, 0);
        FloatVector nf = (FloatVector) n.convert(VectorOperators.I2F, 0);
        FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = nf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector z = r.mul(r);
        FloatVector p = r.fma(FloatVector.broadcast(S, P0), FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        p = p.fma(z, r).add(1f);
        // near the top n reaches 128, whose 2^n is no float: scale by 2^127 and double p first
        var top = n.compare(VectorOperators.GT, 127).cast(S);
        p = p.add(p, top);
        n = n.min(127);
        FloatVector scale = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale).blend(0f, underflow);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, hence the same bits. */
    public static float exp(float x) {
        if (x < MIN_X) {
            return 0f;
        }
        float xc = Math.min(Math.max(x, MIN_X), MAX_X);
        float t = xc * LOG2E;
        int n = (int) (t + (t < 0f ? -0.5f : 0.5f));
        float nf = n;
        float r = Math.fma(nf, -LN2_HI, xc);
        r = Math.fma(nf, -LN2_LO, r);
        float z = r * r;
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, z, r) + 1f;
        if (n > 127) {
            p = p + p;
            n = 127;
        }
        return p * Float.intBitsToFloat((n + 127) << 23);
    }

    /** tanh(y) = 1 - 2 / (e^{2y} + 1). */
    public static FloatVector tanh(FloatVector y) {
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(y.mul(2f)).add(1f)));
    }

    public static float tanh(float y) {
        return 1f - 2f / (exp(2f * y) + 1f);
    }

    /** Sum of the lanes in lane order (reduceLanes(ADD) leaves the order open). */
    public static float sumLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float s = scratch[0];
        for (int i = 1; i < S.length(); i++) {
            s += scratch[i];
        }
        return s;
    }

    static {
        if (I.length() != S.length()) {
            throw new IllegalStateException("int and float vector species differ in length");
        }
    }
}
