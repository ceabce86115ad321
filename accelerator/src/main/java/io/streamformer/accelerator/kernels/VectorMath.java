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
 *
 * <p>The vector exp works on arrays ({@link #expInPlace}), its loop and its polynomial in one method: a method that
 * takes and returns vectors runs boxed, many times slower, whenever the JIT declines to inline it (which it does
 * once such a method was compiled on its own), and exp is too large to be inlined reliably.
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

    // the vector constants of exp: vector operands keep every operation intrinsic (scalar-operand forms of the Vector
    // API are sometimes left out of the JIT's inlining in large methods, and then run boxed)
    private static final FloatVector V_MIN_X = FloatVector.broadcast(S, MIN_X);
    private static final FloatVector V_MAX_X = FloatVector.broadcast(S, MAX_X);
    private static final FloatVector V_LOG2E = FloatVector.broadcast(S, LOG2E);
    private static final FloatVector V_HALF = FloatVector.broadcast(S, 0.5f);
    private static final FloatVector V_MINUS_HALF = FloatVector.broadcast(S, -0.5f);
    private static final FloatVector V_ZERO = FloatVector.zero(S);
    private static final FloatVector V_ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    private static final FloatVector V_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    private static final FloatVector V_P0 = FloatVector.broadcast(S, P0);
    private static final FloatVector V_P1 = FloatVector.broadcast(S, P1);
    private static final FloatVector V_P2 = FloatVector.broadcast(S, P2);
    private static final FloatVector V_P3 = FloatVector.broadcast(S, P3);
    private static final FloatVector V_P4 = FloatVector.broadcast(S, P4);
    private static final FloatVector V_P5 = FloatVector.broadcast(S, P5);
    private static final IntVector V_127 = IntVector.broadcast(I, 127);

    /** a[i] = e^a[i] for i in [from, to); lane for lane the bits of {@link #exp(float)}. */
    public static void expInPlace(float[] a, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, i);
            var underflow = x.compare(VectorOperators.LT, V_MIN_X);
            FloatVector xc = x.max(V_MIN_X).min(V_MAX_X);
            FloatVector t = xc.mul(V_LOG2E);
            // round half away from zero, then truncate: n = (int) (t + copysign(0.5, t))
            FloatVector half = V_HALF.blend(V_MINUS_HALF, t.compare(VectorOperators.LT, V_ZERO));
            IntVector n = (IntVector) t.add(half).convert(VectorOperators.F2I, 0);
            FloatVector nf = (FloatVector) n.convert(VectorOperators.I2F, 0);
            FloatVector r = nf.fma(V_LN2_HI, xc);
            r = nf.fma(V_LN2_LO, r);
            FloatVector z = r.mul(r);
            FloatVector p = r.fma(V_P0, V_P1);
            p = p.fma(r, V_P2);
            p = p.fma(r, V_P3);
            p = p.fma(r, V_P4);
            p = p.fma(r, V_P5);
            p = p.fma(z, r).add(V_ONE);
            // near the top n reaches 128, whose 2^n is no float: scale by 2^127 and double p first
            var top = n.compare(VectorOperators.GT, V_127).cast(S);
            p = p.add(p, top);
            n = n.min(V_127);
            FloatVector scale = n.add(V_127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(scale).blend(V_ZERO, underflow).intoArray(a, i);
        }
        for (; i < to; i++) {
            a[i] = exp(a[i]);
        }
    }

    /** a[i] *= b[i] for i in [from, to). */
    public static void multiplyInPlace(float[] a, float[] b, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector.fromArray(S, a, i).mul(FloatVector.fromArray(S, b, i)).intoArray(a, i);
        }
        for (; i < to; i++) {
            a[i] *= b[i];
        }
    }

    /** Elements per pass of the array forms' scratch: a multiple of every vector length, small enough for L1. */
    static final int CHUNK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    /** Scratch space of {@link #CHUNK} floats for this thread, for kernels that exp a range chunk by chunk. */
    static float[] scratch() {
        return SCRATCH.get();
    }

    /** The scalar twin of {@link #expInPlace}: the same operations, hence the same bits. */
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

    /** tanh(y) = 1 - 2 / (e^{2y} + 1), as {@link Activation}'s vector form computes it. */
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
