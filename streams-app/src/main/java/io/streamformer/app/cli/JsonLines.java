package io.streamformer.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads JSON Lines request files ("-" for stdin), with errors that name the file and line. */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();

    record Line(int number, JsonNode json) {
    }

    private JsonLines() {
    }

    static List<Line> read(String source) throws IOException {
        String name = source.equals("-") ? "stdin" : source;
        List<Line> lines = new ArrayList<>();
        try (BufferedReader in = source.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(source), StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = in.readLine()) != null) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    JsonNode node = JSON.readTree(text);
                    if (!node.isObject()) {
                        throw new InputException(name + " line " + number + ": expected a JSON object");
                    }
                    lines.add(new Line(number, node));
                } catch (JsonProcessingException e) {
                    throw new InputException(name + " line " + number + ": not valid JSON: " + e.getOriginalMessage());
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InputException("input file " + source + " does not exist");
        }
        return lines;
    }

    static int[] intArray(Line line, String field, String source) {
        JsonNode n = line.json().get(field);
        String where = (source.equals("-") ? "stdin" : source) + " line " + line.number() + ": ";
        if (n == null || !n.isArray()) {
            throw new InputException(where + "missing array field \"" + field + "\"");
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new InputException(where + field + "[" + i + "] is not an integer: " + v);
            }
            out[i] = v.intValue();
        }
        return out;
    }
}
