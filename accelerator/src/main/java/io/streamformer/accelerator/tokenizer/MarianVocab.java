package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.format.JsonFiles;
import io.streamformer.accelerator.format.ModelFormatException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A Marian vocab.json: every piece of the SentencePiece models mapped to the id the network uses. Marian
 * numbers pieces its own way ({@code </s>} = 0, {@code <unk>} = 1, ..., {@code <pad>} last), so these ids
 * differ from the .spm files' ids.
 */
final class MarianVocab {
    private final Map<String, Integer> ids;
    private final String[] pieces;   // id -> piece, null where no piece has that id

    private MarianVocab(Map<String, Integer> ids, String[] pieces) {
        this.ids = ids;
        this.pieces = pieces;
    }

    static MarianVocab read(Path file) {
        String name = file.getFileName().toString();
        JsonNode root = JsonFiles.readObject(file);
        Map<String, Integer> ids = new HashMap<>();
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode id = entry.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new ModelFormatException(name + ": the id of '" + entry.getKey()
                        + "' must be a non-negative integer, got " + id);
            }
            ids.put(entry.getKey(), id.intValue());
            maxId = Math.max(maxId, id.intValue());
        }
        if (ids.isEmpty()) {
            throw new ModelFormatException(name + " is empty");
        }
        String[] pieces = new String[maxId + 1];
        // when two pieces share an id the later one wins, as in transformers' inverted dict
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            pieces[entry.getValue().intValue()] = entry.getKey();
        }
        return new MarianVocab(ids, pieces);
    }

    /** The id of {@code piece}, or {@code fallback} when the vocabulary lacks it. */
    int id(String piece, int fallback) {
        return ids.getOrDefault(piece, fallback);
    }

    boolean contains(String piece) {
        return ids.containsKey(piece);
    }

    /** The piece with this id, or null. */
    String piece(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    /** Number of entries (transformers' {@code vocab_size}). */
    int size() {
        return ids.size();
    }

    /** One more than the largest id: the smallest embedding table that can take every id. */
    int idLimit() {
        return pieces.length;
    }
}
