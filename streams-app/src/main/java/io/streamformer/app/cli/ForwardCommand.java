package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.scheduler.DecodingScheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code forward}: one teacher-forced pass per line; prints the full vocabulary logits of every decoder position (a
 * language model: of every input position).
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "For each {\"input_ids\",\"decoder_input_ids\"} line (a language model: {\"input_ids\"}) print"
                + " {\"logits\":[[...],...]}.")
public final class ForwardCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSON Lines file, or - for stdin.")
    String input;

    @Override
    public Integer call() throws Exception {
        List<JsonLines.Line> lines = JsonLines.read(input);
        try (Engine engine = common.loadEngine()) {
            var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            for (JsonLines.Line line : lines) {
                int[] src = JsonLines.intArray(line, "input_ids", input);
                String where = input + " line " + line.number() + ": ";
                int[] dec = null;
                if (engine.encoderDecoder()) {
                    dec = JsonLines.intArray(line, "decoder_input_ids", input);
                } else if (line.json().has("decoder_input_ids")) {
                    throw new InputException(where + engine.info().architecture() + " is a decoder-only model:"
                            + " give input_ids alone");
                }
                String problem = DecodingScheduler.tokenIdsProblem("input_ids", src, engine.info().sourceVocabSize());
                if (problem == null && dec != null) {
                    problem = DecodingScheduler.tokenIdsProblem("decoder_input_ids", dec, engine.info().targetVocabSize());
                }
                if (problem == null && Math.max(src.length, dec == null ? 0 : dec.length)
                        > engine.info().maxPositions()) {
                    problem = "sequences longer than max_position_embeddings (" + engine.info().maxPositions() + ")";
                }
                if (problem != null) {
                    throw new InputException(where + problem);
                }
                float[][] logits = engine.forward(src, dec);
                ObjectNode json = JsonLines.JSON.createObjectNode();
                ArrayNode rows = json.putArray("logits");
                for (float[] row : logits) {
                    ArrayNode r = rows.addArray();
                    for (float v : row) {
                        r.add(v);
                    }
                }
                out.write(JsonLines.JSON.writeValueAsString(json));
                out.newLine();
            }
            out.flush();
        }
        return 0;
    }
}
