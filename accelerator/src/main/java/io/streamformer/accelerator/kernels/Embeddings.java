package io.streamformer.accelerator.kernels;

import io.streamformer.accelerator.kernels.matmul.PackedWeights;

/** Token embeddings (scaled) plus positional encodings. */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * out[r] = table[ids[r]] * scale + positions[pos[r]] for rows [rowFrom, rowTo), width d; without a position
     * table (rotary models) and with scale 1, the plain table row.
     */
    public static void embed(int[] ids, int[] pos, PackedWeights table, float scale, float[] positionTable,
                             int d, float[] out, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int o = r * d;
            table.copyRow(ids[r], out, o);
            if (positionTable == null) {
                if (scale != 1f) {
                    for (int i = 0; i < d; i++) {
                        out[o + i] *= scale;
                    }
                }
                continue;
            }
            int p = pos[r] * d;
            for (int i = 0; i < d; i++) {
                out[o + i] = out[o + i] * scale + positionTable[p + i];
            }
        }
    }

    /**
     * Hugging Face Marian's static sinusoidal table: column c &lt; d/2 holds sin(pos / 10000^(2c/d)),
     * column d/2 + c holds cos of the same angle (all sines first, then all cosines; the paper
     * interleaves them instead). Computed in double and rounded, like the numpy original.
     */
    public static float[] marianSinusoidal(int positions, int d) {
        float[] table = new float[positions * d];
        int half = d / 2;
        for (int pos = 0; pos < positions; pos++) {
            for (int c = 0; c < half; c++) {
                double angle = pos / Math.pow(10000.0, 2.0 * c / d);
                table[pos * d + c] = (float) Math.sin(angle);
                table[pos * d + half + c] = (float) Math.cos(angle);
            }
        }
        return table;
    }
}
