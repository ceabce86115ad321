package io.streamformer.accelerator.backends.tornadovm;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Places tensors inside one arena (a device array) by offset. The {@link io.streamformer.accelerator.backends.Backend}
 * interface has no free: a range returns to the allocator once its tensor object is garbage (tracked with weak
 * references), so that a new KV cache or workspace reuses the space of the one it replaced instead of growing
 * the arena (growing means a new array, hence new task graphs).
 */
final class RangeAllocator {
    /** Offsets and sizes are multiples of this many elements (64 bytes). */
    static final int ALIGN = 16;

    private static final class Tracked extends WeakReference<Object> {
        final int offset;
        final int size;

        Tracked(Object owner, ReferenceQueue<Object> queue, int offset, int size) {
            super(owner, queue);
            this.offset = offset;
            this.size = size;
        }
    }

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Set<Tracked> live = new HashSet<>();
    /** Free ranges below {@link #top}: offset -> size, coalesced. */
    private final TreeMap<Integer, Integer> free = new TreeMap<>();
    private int capacity;
    private int top;

    RangeAllocator(int capacity) {
        this.capacity = capacity;
    }

    static int aligned(int size) {
        long a = ((long) Math.max(size, 1) + ALIGN - 1) / ALIGN * ALIGN;
        if (a > Integer.MAX_VALUE - ALIGN) {
            throw new IllegalArgumentException("tensor of " + size + " elements is too large for one device array");
        }
        return (int) a;
    }

    /** The offset of a new range of {@code size} elements owned by {@code owner}, or -1 if none fits. */
    int allocate(Object owner, int size) {
        reclaim();
        int need = aligned(size);
        int offset = -1;
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            int start = e.getKey();
            int length = e.getValue();
            if (length >= need) {
                // (read before removing: TreeMap may reuse the removed entry object for its successor)
                offset = start;
                free.remove(start);
                if (length > need) {
                    free.put(start + need, length - need);
                }
                break;
            }
        }
        if (offset < 0) {
            if ((long) top + need > capacity) {
                return -1;
            }
            offset = top;
            top += need;
        }
        live.add(new Tracked(owner, queue, offset, need));
        return offset;
    }

    /** Returns the ranges of collected owners to the free list; true if any came back. */
    boolean reclaim() {
        boolean any = false;
        for (Reference<?> r; (r = queue.poll()) != null; ) {
            Tracked t = (Tracked) r;
            if (live.remove(t)) {
                release(t.offset, t.size);
                any = true;
            }
        }
        return any;
    }

    /** Returns a range (offset and aligned size as allocated) to the free list. */
    void release(int offset, int size) {
        Map.Entry<Integer, Integer> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            offset = before.getKey();
            size += before.getValue();
            free.remove(offset);
        }
        Integer after = free.get(offset + size);
        if (after != null) {
            free.remove(offset + size);
            size += after;
        }
        if (offset + size == top) {
            top = offset;
        } else {
            free.put(offset, size);
        }
        // a free range that now ends at the top moves the top down
        Map.Entry<Integer, Integer> last = free.lastEntry();
        while (last != null && last.getKey() + last.getValue() == top) {
            top = last.getKey();
            free.remove(last.getKey());
            last = free.lastEntry();
        }
    }

    /** The end of the highest range in use: everything a migration must copy. */
    int top() {
        return top;
    }

    int capacity() {
        return capacity;
    }

    void grow(int newCapacity) {
        if (newCapacity < capacity) {
            throw new IllegalArgumentException("cannot shrink an arena");
        }
        capacity = newCapacity;
    }

    int liveCount() {
        return live.size();
    }
}
