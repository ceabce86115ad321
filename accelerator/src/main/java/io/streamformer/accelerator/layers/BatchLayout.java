package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.IntTensor;

/**
 * How the rows of one pass are laid out, as int tensors the kernels read: a batch is packed (the tokens of all its
 * sequences concatenated, no padding), and each row says which token it is, at which position, which key rows it
 * may attend to (self and cross), and where its keys and values go in the cache. The host arrays are filled by the
 * caller, then {@link #upload} writes them to the backend before the pass.
 */
public final class BatchLayout {
    final int capacity;
    final int outCapacity;
    final IntTensor ids;
    final IntTensor positions;
    final IntTensor selfStart;
    final IntTensor selfCount;
    final IntTensor crossStart;
    final IntTensor crossCount;
    final IntTensor cacheRows;
    final IntTensor lastRows;

    // host side, filled per pass
    final int[] hostIds;
    final int[] hostPositions;
    final int[] hostSelfStart;
    final int[] hostSelfCount;
    final int[] hostCrossStart;
    final int[] hostCrossCount;
    final int[] hostCacheRows;
    final int[] hostLastRows;

    public BatchLayout(Backend backend, int capacity, int outCapacity) {
        this.capacity = capacity;
        this.outCapacity = outCapacity;
        ids = backend.allocateInts(capacity);
        positions = backend.allocateInts(capacity);
        selfStart = backend.allocateInts(capacity);
        selfCount = backend.allocateInts(capacity);
        crossStart = backend.allocateInts(capacity);
        crossCount = backend.allocateInts(capacity);
        cacheRows = backend.allocateInts(capacity);
        lastRows = backend.allocateInts(outCapacity);
        hostIds = new int[capacity];
        hostPositions = new int[capacity];
        hostSelfStart = new int[capacity];
        hostSelfCount = new int[capacity];
        hostCrossStart = new int[capacity];
        hostCrossCount = new int[capacity];
        hostCacheRows = new int[capacity];
        hostLastRows = new int[outCapacity];
    }

    public IntTensor ids() {
        return ids;
    }

    public IntTensor positions() {
        return positions;
    }

    /**
     * Row r of the pass: token {@code id} at {@code position}; it attends to key rows [selfStart, selfStart +
     * selfCount) of the self-attention keys (the batch's own rows in an encoder, cache rows in a decoder), and its
     * key and value go to row {@code cacheRow} of the cache.
     */
    public void setRow(int r, int id, int position, int selfStart, int selfCount, int cacheRow) {
        hostIds[r] = id;
        hostPositions[r] = position;
        hostSelfStart[r] = selfStart;
        hostSelfCount[r] = selfCount;
        hostCacheRows[r] = cacheRow;
    }

    /** The encoder rows [crossStart, crossStart + crossCount) of the cross-attention cache that row r attends to. */
    public void setCross(int r, int crossStart, int crossCount) {
        hostCrossStart[r] = crossStart;
        hostCrossCount[r] = crossCount;
    }

    /** Output row i is the hidden state of pass row {@code row} (the last token of input i). */
    public void setOutputRow(int i, int row) {
        hostLastRows[i] = row;
    }

    public IntTensor outputRows() {
        return lastRows;
    }

    /** Writes the host arrays' first {@code rows} entries (and {@code outRows} last-row indices) to the backend. */
    public void upload(Backend backend, int rows, int outRows, boolean cross) {
        backend.write(ids, hostIds, rows);
        backend.write(positions, hostPositions, rows);
        backend.write(selfStart, hostSelfStart, rows);
        backend.write(selfCount, hostSelfCount, rows);
        backend.write(cacheRows, hostCacheRows, rows);
        if (cross) {
            backend.write(crossStart, hostCrossStart, rows);
            backend.write(crossCount, hostCrossCount, rows);
        }
        if (outRows > 0) {
            backend.write(lastRows, hostLastRows, outRows);
        }
    }
}
