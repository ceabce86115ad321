package io.streamformer.accelerator.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A byte trie over the UTF-8 forms of vocabulary pieces, walked one byte at a time so that segmentation
 * finds every piece that starts at a position in one pass. Children of a node are kept sorted by byte and
 * found by binary search; the root, which is visited once per position, has a direct 256-entry table.
 */
final class PieceTrie {
    static final int ROOT = 0;
    static final int NONE = -1;

    private final int[] rootChildren = new int[256];
    private final int[] firstChild;   // per node: index of its first child in labels/targets
    private final int[] childCount;   // per node
    private final byte[] labels;      // unsigned-sorted within each node's range
    private final int[] targets;
    private final int[] values;       // per node: the id of the piece ending here, or NONE

    /** Builds the trie; {@code keys.get(i)} maps to {@code ids.get(i)}. A repeated key keeps its first id. */
    PieceTrie(List<byte[]> keys, List<Integer> ids) {
        List<TreeMap<Integer, Integer>> children = new ArrayList<>();
        List<Integer> nodeValues = new ArrayList<>();
        children.add(new TreeMap<>());
        nodeValues.add(NONE);
        for (int k = 0; k < keys.size(); k++) {
            int node = ROOT;
            for (byte b : keys.get(k)) {
                Integer next = children.get(node).get(b & 0xFF);
                if (next == null) {
                    next = children.size();
                    children.add(new TreeMap<>());
                    nodeValues.add(NONE);
                    children.get(node).put(b & 0xFF, next);
                }
                node = next;
            }
            if (nodeValues.get(node) == NONE) {
                nodeValues.set(node, ids.get(k));
            }
        }
        int nodes = children.size();
        firstChild = new int[nodes];
        childCount = new int[nodes];
        values = new int[nodes];
        int edges = children.stream().mapToInt(Map::size).sum();
        labels = new byte[edges];
        targets = new int[edges];
        int e = 0;
        for (int n = 0; n < nodes; n++) {
            firstChild[n] = e;
            childCount[n] = children.get(n).size();
            values[n] = nodeValues.get(n);
            for (Map.Entry<Integer, Integer> edge : children.get(n).entrySet()) {
                labels[e] = (byte) (int) edge.getKey();
                targets[e++] = edge.getValue();
            }
        }
        Arrays.fill(rootChildren, NONE);
        for (Map.Entry<Integer, Integer> edge : children.get(ROOT).entrySet()) {
            rootChildren[edge.getKey()] = edge.getValue();
        }
    }

    /** The child of {@code node} along byte {@code b}, or {@link #NONE}. */
    int next(int node, byte b) {
        int label = b & 0xFF;
        if (node == ROOT) {
            return rootChildren[label];
        }
        int lo = firstChild[node];
        int hi = lo + childCount[node] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int midLabel = labels[mid] & 0xFF;
            if (midLabel < label) {
                lo = mid + 1;
            } else if (midLabel > label) {
                hi = mid - 1;
            } else {
                return targets[mid];
            }
        }
        return NONE;
    }

    /** The id of the piece that ends at {@code node}, or {@link #NONE}. */
    int value(int node) {
        return values[node];
    }

    /** The length of the longest key that starts {@code s[from, to)}, or 0 when none does. */
    int longestMatch(byte[] s, int from, int to) {
        int longest = 0;
        int node = ROOT;
        for (int i = from; i < to; i++) {
            node = next(node, s[i]);
            if (node == NONE) {
                break;
            }
            if (values[node] != NONE) {
                longest = i + 1 - from;
            }
        }
        return longest;
    }
}
