package io.streamformer.accelerator.models;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.layers.BatchLayout;
import io.streamformer.accelerator.layers.Dense;
import io.streamformer.accelerator.layers.KvCache;
import io.streamformer.accelerator.layers.SlotKvCache;
import io.streamformer.accelerator.layers.TransformerSpec;
import io.streamformer.accelerator.layers.TransformerStack;
import io.streamformer.accelerator.layers.Workspace;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every model the engine runs: an optional encoder stack, a decoder stack and the output projection. Marian is
 * an encoder and a decoder with cross-attention; GPT-2 and the Llama family are a decoder alone. The architectures'
 * loaders (marian, gpt2, llama) build the stacks from a checkpoint; this class runs the passes.
 *
 * <p>Batches are packed: the tokens of all sequences are concatenated row after row and each row's attention
 * range says which keys it may see, so no padding is ever computed and every sequence gets exactly the result it
 * would get alone.
 */
public final class TransformerModel implements Model {
    private final ModelInfo info;
    private final TransformerStack encoder;
    private final TransformerStack decoder;
    private final Dense lmHead;
    private final Backend backend;
    private final long weightBytes;
    private final String weightTypes;
    private Workspace ws;
    private ChoiceBuffers choice;

    /** @param encoder the encoder stack, or null for a decoder-only model */
    public TransformerModel(ModelInfo info, TransformerStack encoder, TransformerStack decoder, Dense lmHead,
                            Backend backend) {
        if (info.encoderDecoder() != (encoder != null) || decoder.spec().crossAttention() != (encoder != null)) {
            throw new IllegalArgumentException("an encoder-decoder needs an encoder and a cross-attending decoder");
        }
        this.info = info;
        this.encoder = encoder;
        this.decoder = decoder;
        this.lmHead = lmHead;
        this.backend = backend;
        // tied embeddings appear more than once: count each tensor once
        Set<Object> all = Collections.newSetFromMap(new IdentityHashMap<>());
        if (encoder != null) {
            all.addAll(encoder.tensors());
        }
        all.addAll(decoder.tensors());
        all.add(lmHead.weight());
        if (lmHead.bias() != null) {
            all.add(lmHead.bias());
        }
        long bytes = 0;
        Set<String> types = new TreeSet<>();
        for (Object o : all) {
            if (o instanceof Matrix m) {
                bytes += m.bytes();
                types.add(m.type().cliName());
            } else if (o instanceof FloatTensor f) {
                bytes += 4L * f.size();
            }
        }
        this.weightBytes = bytes;
        this.weightTypes = String.join(", ", types);
        this.ws = newWorkspace(64, 16);
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
        return weightBytes;
    }

    @Override
    public long stepWeightBytes() {
        return decoder.stepWeightBytes() + lmHead.weight().bytes();
    }

    @Override
    public String weightTypes() {
        return weightTypes;
    }

    @Override
    public KvCache newCache(int requestSlots, int sequenceSlots, int maxSourceLength, int maxDecoderLength) {
        if (requestSlots < 1 || sequenceSlots < 1 || maxSourceLength < 1 || maxDecoderLength < 1) {
            throw new IllegalArgumentException("cache dimensions must be positive");
        }
        int limit = info.maxPositions();
        TransformerSpec spec = decoder.spec();
        return new SlotKvCache(backend, decoder.layers().size(), spec.kvDim(), encoder != null, requestSlots,
                sequenceSlots, encoder != null ? Math.min(maxSourceLength, limit) : 1,
                Math.min(maxDecoderLength, limit));
    }

    // ---------------------------------------------------------------- encoder

    @Override
    public void encode(KvCache kvCache, List<EncoderInput> inputs) {
        if (encoder == null) {
            throw new UnsupportedOperationException(info.architecture() + " is a decoder-only model: prompts are"
                    + " decoded, not encoded");
        }
        SlotKvCache cache = (SlotKvCache) kvCache;
        int rows = 0;
        for (EncoderInput in : inputs) {
            if (in.tokens().length == 0 || in.tokens().length > cache.maxSourceLength()) {
                throw new IllegalArgumentException("source length " + in.tokens().length + " outside [1, "
                        + cache.maxSourceLength() + "]");
            }
            rows += in.tokens().length;
        }
        if (rows == 0) {
            return;
        }
        ensureWorkspace(rows, 0);
        BatchLayout batch = ws.batch();
        int r = 0;
        for (EncoderInput in : inputs) {
            int first = r;
            int len = in.tokens().length;
            for (int j = 0; j < len; j++, r++) {
                int id = in.tokens()[j];
                if (id < 0 || id >= info.sourceVocabSize()) {
                    throw new IllegalArgumentException("source token id " + id + " at position " + j
                            + " lies outside the vocabulary [0, " + info.sourceVocabSize() + ")");
                }
                batch.setRow(r, id, j, first, len, cache.crossStart(in.requestSlot()) + j);
            }
            cache.setSourceLength(in.requestSlot(), len);
        }
        batch.upload(backend, rows, 0, false);
        FloatTensor output = encoder.forward(backend, ws, rows, null);
        // Cross-attention keys and values depend only on the encoder output: computed once per request.
        decoder.cacheCrossKeysValues(backend, ws, output, rows, cache);
    }

    // ---------------------------------------------------------------- decoder

    @Override
    public void decode(KvCache kvCache, List<DecoderInput> inputs, boolean allPositions, float[] logits) {
        int rows = tokenCount(inputs);
        if (rows == 0) {
            return;
        }
        int outRows = allPositions ? rows : inputs.size();
        int vocab = info.targetVocabSize();
        if (logits.length < (long) outRows * vocab) {
            throw new IllegalArgumentException("logits buffer holds " + logits.length + " values, needs "
                    + (long) outRows * vocab);
        }
        decoderPass((SlotKvCache) kvCache, inputs, rows, allPositions);
        backend.read(ws.logits(), 0, logits, 0, outRows * vocab);
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
        int vocab = info.targetVocabSize();
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
        decoderPass((SlotKvCache) kvCache, inputs, rows, false);
        backend.argmaxRows(ws.logits(), n, vocab, choice.banStart, choice.banCount, choice.bans, choice.forced,
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

    /** Runs the decoder over the inputs and leaves the logits of the output rows in the workspace. */
    private void decoderPass(SlotKvCache cache, List<DecoderInput> inputs, int rows, boolean allPositions) {
        int outRows = allPositions ? rows : inputs.size();
        int vocab = info.targetVocabSize();
        ensureWorkspace(rows, outRows);
        BatchLayout batch = ws.batch();
        int r = 0;
        for (int i = 0; i < inputs.size(); i++) {
            DecoderInput in = inputs.get(i);
            int sourceLength = 0;
            if (encoder != null) {
                sourceLength = cache.sourceLength(in.requestSlot());
                if (sourceLength == 0) {
                    throw new IllegalStateException("request slot " + in.requestSlot() + " has not been encoded");
                }
            }
            int selfStart = cache.selfStart(in.sequenceSlot());
            for (int j = 0; j < in.tokens().length; j++, r++) {
                int pos = in.startPosition() + j;
                if (pos >= cache.maxDecoderLength()) {
                    throw new IllegalArgumentException("decoder position " + pos + " exceeds the cache length "
                            + cache.maxDecoderLength());
                }
                int id = in.tokens()[j];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("decoder token id " + id + " lies outside the vocabulary [0, "
                            + vocab + ")");
                }
                batch.setRow(r, id, pos, selfStart, pos + 1, selfStart + pos);
                if (encoder != null) {
                    batch.setCross(r, cache.crossStart(in.requestSlot()), sourceLength);
                }
            }
            if (!allPositions) {
                batch.setOutputRow(i, r - 1);
            }
        }
        batch.upload(backend, rows, allPositions ? 0 : outRows, encoder != null);

        FloatTensor hidden = decoder.forward(backend, ws, rows, cache);
        if (!allPositions) {
            backend.gatherRows(hidden, batch.outputRows(), outRows, decoder.spec().dModel(), ws.hidden());
            hidden = ws.hidden();
        }
        lmHead.apply(backend, hidden, outRows, Activation.IDENTITY, ws.logits());
    }

    @Override
    public void copySequence(KvCache kvCache, int fromSlot, int toSlot, int length) {
        if (fromSlot == toSlot || length == 0) {
            return;
        }
        ((SlotKvCache) kvCache).copySequence(backend, fromSlot, toSlot, length);
    }

    // ---------------------------------------------------------------- workspace

    private Workspace newWorkspace(int rows, int outRows) {
        TransformerSpec d = decoder.spec();
        int ffn = d.ffnDim();
        int queryDim = d.queryDim();
        int kvDim = d.kvDim();
        if (encoder != null) {
            TransformerSpec e = encoder.spec();
            ffn = Math.max(ffn, e.ffnDim());
            queryDim = Math.max(queryDim, e.queryDim());
            kvDim = Math.max(kvDim, e.kvDim());
        }
        return new Workspace(backend, rows, outRows, d.dModel(), queryDim, kvDim, ffn, d.gatedFfn(),
                info.targetVocabSize());
    }

    /** Activation buffers for up to {@code rows} tokens and {@code outRows} logits rows; grown on demand. */
    private void ensureWorkspace(int rows, int outRows) {
        if (rows > ws.rows() || outRows > ws.outRows()) {
            ws = newWorkspace(Math.max(rows, ws.rows()), Math.max(outRows, ws.outRows()));
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
