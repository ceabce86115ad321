package io.streamformer.accelerator.models;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.format.SafetensorsFile;
import io.streamformer.accelerator.weights.WeightPolicy;

import java.util.List;

/**
 * Hugging Face's MarianMTModel ("Attention Is All You Need" with post-LN, static sinusoidal positions in
 * Hugging Face's layout, scaled and tied embeddings and a final logits bias), wired from backend kernels.
 *
 * <p>Batches are packed: the tokens of all sequences are concatenated row after row and each row's
 * attention range says which keys it may see, so no padding is ever computed and every sequence gets
 * exactly the result it would get alone.
 */
public final class MarianModel implements Seq2SeqModel {

    private final MarianConfig config;
    private final MarianWeights weights;
    private final Backend backend;
    private final ModelInfo info;
    private Workspace ws;
    private ChoiceBuffers choice;

    MarianModel(MarianConfig config, MarianWeights weights, Backend backend) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.info = new ModelInfo("marian", config.vocabSize(), config.decoderVocabSize(), config.maxPositions(),
                config.eosTokenId(), config.padTokenId(), config.decoderStartTokenId(), config.forcedEosTokenId(),
                config.parameterCount());
        this.ws = new Workspace(64, 16);
    }

    static MarianModel load(MarianConfig config, SafetensorsFile file, Backend backend, WeightPolicy policy,
                            ProgressListener progress) {
        return new MarianModel(config, MarianWeights.load(config, file, backend, policy, progress), backend);
    }

    public MarianConfig config() {
        return config;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    public Backend backend() {
        return backend;
    }

    @Override
    public long weightBytes() {
        return weights.bytes();
    }

    @Override
    public long stepWeightBytes() {
        long bytes = weights.lmHead.bytes();
        for (MarianWeights.DecoderLayer l : weights.decoderLayers) {
            MarianWeights.Attention self = l.selfAttention();
            MarianWeights.Attention cross = l.crossAttention();
            bytes += self.q().bytes() + self.k().bytes() + self.v().bytes() + self.out().bytes()
                    + cross.q().bytes() + cross.out().bytes() + l.ffn().fc1().bytes() + l.ffn().fc2().bytes();
        }
        return bytes;
    }

    @Override
    public String weightTypes() {
        return weights.types();
    }

    // ---------------------------------------------------------------- cache

    private final class Cache implements KvCache {
        final int requestSlots;
        final int sequenceSlots;
        final int maxSource;
        final int maxDecoder;
        final FloatTensor[] selfKeys;
        final FloatTensor[] selfValues;
        final FloatTensor[] crossKeys;
        final FloatTensor[] crossValues;
        final int[] sourceLength;

        Cache(int requestSlots, int sequenceSlots, int maxSource, int maxDecoder) {
            this.requestSlots = requestSlots;
            this.sequenceSlots = sequenceSlots;
            this.maxSource = maxSource;
            this.maxDecoder = maxDecoder;
            int layers = config.decoderLayers();
            int d = config.dModel();
            selfKeys = new FloatTensor[layers];
            selfValues = new FloatTensor[layers];
            crossKeys = new FloatTensor[layers];
            crossValues = new FloatTensor[layers];
            for (int l = 0; l < layers; l++) {
                selfKeys[l] = backend.allocate(Math.multiplyExact(sequenceSlots * maxDecoder, d));
                selfValues[l] = backend.allocate(sequenceSlots * maxDecoder * d);
                crossKeys[l] = backend.allocate(Math.multiplyExact(requestSlots * maxSource, d));
                crossValues[l] = backend.allocate(requestSlots * maxSource * d);
            }
            sourceLength = new int[requestSlots];
        }

        @Override
        public int requestSlots() {
            return requestSlots;
        }

        @Override
        public int sequenceSlots() {
            return sequenceSlots;
        }

        @Override
        public int maxSourceLength() {
            return maxSource;
        }

        @Override
        public int maxDecoderLength() {
            return maxDecoder;
        }

        @Override
        public long bytes() {
            return 8L * config.decoderLayers() * config.dModel()
                    * ((long) sequenceSlots * maxDecoder + (long) requestSlots * maxSource);
        }
    }

    @Override
    public KvCache newCache(int requestSlots, int sequenceSlots, int maxSourceLength, int maxDecoderLength) {
        if (requestSlots < 1 || sequenceSlots < 1 || maxSourceLength < 1 || maxDecoderLength < 1) {
            throw new IllegalArgumentException("cache dimensions must be positive");
        }
        int limit = config.maxPositions();
        return new Cache(requestSlots, sequenceSlots, Math.min(maxSourceLength, limit),
                Math.min(maxDecoderLength, limit));
    }

    // ---------------------------------------------------------------- encoder

    @Override
    public void encode(KvCache kvCache, List<EncoderInput> inputs) {
        Cache cache = (Cache) kvCache;
        int rows = 0;
        for (EncoderInput in : inputs) {
            if (in.tokens().length == 0 || in.tokens().length > cache.maxSource) {
                throw new IllegalArgumentException("source length " + in.tokens().length + " outside [1, "
                        + cache.maxSource + "]");
            }
            rows += in.tokens().length;
        }
        if (rows == 0) {
            return;
        }
        ensureWorkspace(rows, 0);
        int d = config.dModel();
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] keyStart = new int[rows];
        int[] keyCount = new int[rows];
        int[] cacheRows = new int[rows];
        int r = 0;
        for (EncoderInput in : inputs) {
            int first = r;
            int len = in.tokens().length;
            for (int j = 0; j < len; j++, r++) {
                int id = in.tokens()[j];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("source token id " + id + " at position " + j
                            + " lies outside the vocabulary [0, " + config.vocabSize() + ")");
                }
                ids[r] = id;
                positions[r] = j;
                keyStart[r] = first;
                keyCount[r] = len;
                cacheRows[r] = in.requestSlot() * cache.maxSource + j;
            }
            cache.sourceLength[in.requestSlot()] = len;
        }
        backend.write(ws.ids, ids, rows);
        backend.write(ws.positions, positions, rows);
        backend.write(ws.selfStart, keyStart, rows);
        backend.write(ws.selfCount, keyCount, rows);
        backend.write(ws.cacheRows, cacheRows, rows);

        backend.embed(ws.ids, ws.positions, rows, weights.encoderEmbedding, config.embeddingScale(),
                weights.encoderPositions, ws.x);
        int heads = config.encoderHeads();
        for (MarianWeights.EncoderLayer layer : weights.encoderLayers) {
            MarianWeights.Attention a = layer.selfAttention();
            backend.linears(ws.x, rows, new Matrix[]{a.q(), a.k(), a.v()},
                    new FloatTensor[]{a.qBias(), a.kBias(), a.vBias()}, new FloatTensor[]{ws.q, ws.k, ws.v});
            backend.attention(ws.q, rows, ws.k, ws.v, ws.selfStart, ws.selfCount, heads, d / heads, ws.attn);
            projectAndNorm(rows, a, layer.selfAttentionNorm());
            feedForward(rows, layer.ffn(), layer.ffnNorm());
        }
        // Cross-attention keys and values depend only on the encoder output: computed once per request.
        for (int l = 0; l < weights.decoderLayers.size(); l++) {
            MarianWeights.Attention cross = weights.decoderLayers.get(l).crossAttention();
            backend.linear(ws.x, rows, cross.k(), cross.kBias(), Activation.IDENTITY, ws.k);
            backend.scatterRows(ws.k, rows, d, ws.cacheRows, cache.crossKeys[l]);
            backend.linear(ws.x, rows, cross.v(), cross.vBias(), Activation.IDENTITY, ws.v);
            backend.scatterRows(ws.v, rows, d, ws.cacheRows, cache.crossValues[l]);
        }
    }

    // ---------------------------------------------------------------- decoder

    @Override
    public void decode(KvCache kvCache, List<DecoderInput> inputs, boolean allPositions, float[] logits) {
        int rows = tokenCount(inputs);
        if (rows == 0) {
            return;
        }
        int outRows = allPositions ? rows : inputs.size();
        int vocab = config.decoderVocabSize();
        if (logits.length < (long) outRows * vocab) {
            throw new IllegalArgumentException("logits buffer holds " + logits.length + " values, needs "
                    + (long) outRows * vocab);
        }
        decoderPass((Cache) kvCache, inputs, rows, allPositions);
        backend.read(ws.logits, 0, logits, 0, outRows * vocab);
    }

    @Override
    public boolean supportsDecodeArgmax() {
        return backend.supportsArgmax();
    }

    @Override
    public void decodeArgmax(KvCache kvCache, List<DecoderInput> inputs, int[][] banned, int[] forced, float[] out) {
        int rows = tokenCount(inputs);
        if (rows == 0) {
            return;
        }
        int n = inputs.size();
        if (banned.length != n || forced.length != n || out.length < 3L * n) {
            throw new IllegalArgumentException("decodeArgmax needs one ban list, one forced token and three outputs"
                    + " per input");
        }
        int vocab = config.decoderVocabSize();
        int[] banStart = new int[n];
        int[] banCount = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            banStart[i] = total;
            banCount[i] = banned[i].length;
            total += banned[i].length;
        }
        int[] bans = new int[total];
        for (int i = 0; i < n; i++) {
            for (int id : banned[i]) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("banned token " + id + " outside the vocabulary");
                }
            }
            System.arraycopy(banned[i], 0, bans, banStart[i], banned[i].length);
        }
        if (choice == null || choice.rows < n || choice.bans.size() < total) {
            choice = new ChoiceBuffers(Math.max(n, choice == null ? 0 : choice.rows),
                    Math.max(Math.max(total, 2 * n), choice == null ? 0 : choice.bans.size()));
        }
        backend.write(choice.banStart, banStart, n);
        backend.write(choice.banCount, banCount, n);
        backend.write(choice.bans, bans, total);
        backend.write(choice.forced, forced, n);
        decoderPass((Cache) kvCache, inputs, rows, false);
        backend.argmaxRows(ws.logits, n, vocab, choice.banStart, choice.banCount, choice.bans, choice.forced,
                choice.out);
        backend.read(choice.out, 0, out, 0, 3 * n);
    }

    /** Device buffers of {@link #decodeArgmax}, allocated on first use. */
    private final class ChoiceBuffers {
        final int rows;
        final IntTensor banStart, banCount, bans, forced;
        final FloatTensor out;

        ChoiceBuffers(int rows, int bans) {
            this.rows = rows;
            this.banStart = backend.allocateInts(rows);
            this.banCount = backend.allocateInts(rows);
            this.bans = backend.allocateInts(Math.max(1, bans));
            this.forced = backend.allocateInts(rows);
            this.out = backend.allocate(3 * rows);
        }
    }

    private static int tokenCount(List<DecoderInput> inputs) {
        int rows = 0;
        for (DecoderInput in : inputs) {
            rows += in.tokens().length;
        }
        return rows;
    }

    /** Runs the decoder over the inputs and leaves the logits of the output rows in {@code ws.logits}. */
    private void decoderPass(Cache cache, List<DecoderInput> inputs, int rows, boolean allPositions) {
        int outRows = allPositions ? rows : inputs.size();
        int vocab = config.decoderVocabSize();
        ensureWorkspace(rows, outRows);
        int d = config.dModel();
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] selfStart = new int[rows];
        int[] selfCount = new int[rows];
        int[] crossStart = new int[rows];
        int[] crossCount = new int[rows];
        int[] cacheRows = new int[rows];
        int[] lastRows = new int[inputs.size()];
        int r = 0;
        for (int i = 0; i < inputs.size(); i++) {
            DecoderInput in = inputs.get(i);
            int sourceLength = cache.sourceLength[in.requestSlot()];
            if (sourceLength == 0) {
                throw new IllegalStateException("request slot " + in.requestSlot() + " has not been encoded");
            }
            for (int j = 0; j < in.tokens().length; j++, r++) {
                int pos = in.startPosition() + j;
                if (pos >= cache.maxDecoder) {
                    throw new IllegalArgumentException("decoder position " + pos + " exceeds the cache length "
                            + cache.maxDecoder);
                }
                int id = in.tokens()[j];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("decoder token id " + id + " lies outside the vocabulary [0, "
                            + vocab + ")");
                }
                ids[r] = id;
                positions[r] = pos;
                selfStart[r] = in.sequenceSlot() * cache.maxDecoder;
                selfCount[r] = pos + 1;
                cacheRows[r] = selfStart[r] + pos;
                crossStart[r] = in.requestSlot() * cache.maxSource;
                crossCount[r] = sourceLength;
            }
            lastRows[i] = r - 1;
        }
        backend.write(ws.ids, ids, rows);
        backend.write(ws.positions, positions, rows);
        backend.write(ws.selfStart, selfStart, rows);
        backend.write(ws.selfCount, selfCount, rows);
        backend.write(ws.crossStart, crossStart, rows);
        backend.write(ws.crossCount, crossCount, rows);
        backend.write(ws.cacheRows, cacheRows, rows);
        backend.write(ws.lastRows, lastRows, lastRows.length);

        backend.embed(ws.ids, ws.positions, rows, weights.decoderEmbedding, config.embeddingScale(),
                weights.decoderPositions, ws.x);
        int heads = config.decoderHeads();
        int headDim = d / heads;
        for (int l = 0; l < weights.decoderLayers.size(); l++) {
            MarianWeights.DecoderLayer layer = weights.decoderLayers.get(l);
            MarianWeights.Attention self = layer.selfAttention();
            backend.linears(ws.x, rows, new Matrix[]{self.q(), self.k(), self.v()},
                    new FloatTensor[]{self.qBias(), self.kBias(), self.vBias()}, new FloatTensor[]{ws.q, ws.k, ws.v});
            backend.scatterRows(ws.k, rows, d, ws.cacheRows, cache.selfKeys[l]);
            backend.scatterRows(ws.v, rows, d, ws.cacheRows, cache.selfValues[l]);
            backend.attention(ws.q, rows, cache.selfKeys[l], cache.selfValues[l], ws.selfStart, ws.selfCount,
                    heads, headDim, ws.attn);
            projectAndNorm(rows, self, layer.selfAttentionNorm());

            MarianWeights.Attention cross = layer.crossAttention();
            backend.linear(ws.x, rows, cross.q(), cross.qBias(), Activation.IDENTITY, ws.q);
            backend.attention(ws.q, rows, cache.crossKeys[l], cache.crossValues[l], ws.crossStart, ws.crossCount,
                    heads, headDim, ws.attn);
            projectAndNorm(rows, cross, layer.crossAttentionNorm());

            feedForward(rows, layer.ffn(), layer.ffnNorm());
        }
        FloatTensor hidden = ws.x;
        if (!allPositions) {
            backend.gatherRows(ws.x, ws.lastRows, outRows, d, ws.hidden);
            hidden = ws.hidden;
        }
        backend.linear(hidden, outRows, weights.lmHead, weights.finalLogitsBias, Activation.IDENTITY, ws.logits);
    }

    @Override
    public void copySequence(KvCache kvCache, int fromSlot, int toSlot, int length) {
        Cache cache = (Cache) kvCache;
        if (fromSlot == toSlot || length == 0) {
            return;
        }
        int d = config.dModel();
        for (int l = 0; l < config.decoderLayers(); l++) {
            backend.copyRows(cache.selfKeys[l], fromSlot * cache.maxDecoder, toSlot * cache.maxDecoder, length, d);
            backend.copyRows(cache.selfValues[l], fromSlot * cache.maxDecoder, toSlot * cache.maxDecoder, length, d);
        }
    }

    // ---------------------------------------------------------------- sub-layers

    /** x = LayerNorm(x + out_proj(attn)), the post-LN residual of an attention sub-layer. */
    private void projectAndNorm(int rows, MarianWeights.Attention a, MarianWeights.Norm norm) {
        backend.linear(ws.attn, rows, a.out(), a.outBias(), Activation.IDENTITY, ws.proj);
        backend.addLayerNorm(ws.proj, ws.x, rows, norm.gamma(), norm.beta(), config.layerNormEps(), ws.x);
    }

    /** x = LayerNorm(x + fc2(act(fc1(x)))). */
    private void feedForward(int rows, MarianWeights.Ffn ffn, MarianWeights.Norm norm) {
        backend.linear(ws.x, rows, ffn.fc1(), ffn.fc1Bias(), config.activation(), ws.ffn);
        backend.linear(ws.ffn, rows, ffn.fc2(), ffn.fc2Bias(), Activation.IDENTITY, ws.proj);
        backend.addLayerNorm(ws.proj, ws.x, rows, norm.gamma(), norm.beta(), config.layerNormEps(), ws.x);
    }

    // ---------------------------------------------------------------- workspace

    /** Activation buffers for up to {@code rows} tokens and {@code outRows} logits rows; grown on demand. */
    private final class Workspace {
        final int rows;
        final int outRows;
        final FloatTensor x, q, k, v, attn, proj, ffn, hidden, logits;
        final IntTensor ids, positions, selfStart, selfCount, crossStart, crossCount, cacheRows, lastRows;

        Workspace(int rows, int outRows) {
            this.rows = rows;
            this.outRows = outRows;
            int d = config.dModel();
            int ffnDim = Math.max(config.encoderFfnDim(), config.decoderFfnDim());
            x = backend.allocate(rows * d);
            q = backend.allocate(rows * d);
            k = backend.allocate(rows * d);
            v = backend.allocate(rows * d);
            attn = backend.allocate(rows * d);
            proj = backend.allocate(rows * d);
            ffn = backend.allocate(rows * ffnDim);
            hidden = backend.allocate(outRows * d);
            logits = backend.allocate(Math.multiplyExact(outRows, config.decoderVocabSize()));
            ids = backend.allocateInts(rows);
            positions = backend.allocateInts(rows);
            selfStart = backend.allocateInts(rows);
            selfCount = backend.allocateInts(rows);
            crossStart = backend.allocateInts(rows);
            crossCount = backend.allocateInts(rows);
            cacheRows = backend.allocateInts(rows);
            lastRows = backend.allocateInts(outRows);
        }
    }

    private void ensureWorkspace(int rows, int outRows) {
        if (rows > ws.rows || outRows > ws.outRows) {
            ws = new Workspace(Math.max(rows, ws.rows), Math.max(outRows, ws.outRows));
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
