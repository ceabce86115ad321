package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.scheduler.DecodingScheduler;
import io.streamformer.accelerator.scheduler.RequestRejectedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code generate}: JSON Lines of input ids in, one JSON line per request out, in input order. {@code sequence} is
 * what generate() returns: an encoder-decoder's decoder ids (from decoder_start_token_id), or a language model's
 * prompt followed by the new tokens.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate for each {\"input_ids\":[...]} line (a source, or a language model's prompt); prints"
                + " {\"input_ids\",\"sequence\",\"score\",\"finish_reason\"} lines.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Mixin
    GenerationOptions generation;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSON Lines file, or - for stdin.")
    String input;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "Requests decoded together (continuous batching). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1");
        }
        List<JsonLines.Line> lines = JsonLines.read(input);
        List<int[]> sources = new ArrayList<>();
        for (JsonLines.Line line : lines) {
            sources.add(JsonLines.intArray(line, "input_ids", input));
        }
        try (Engine engine = common.loadEngine()) {
            List<GenerationParams> params = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                params.add(engine.params(generation.overrides(), sources.get(i)));
                String problem = params.get(i).problem();
                if (problem == null) {
                    problem = DecodingScheduler.tokenIdsProblem("input_ids", sources.get(i),
                            engine.info().sourceVocabSize());
                }
                if (problem == null && params.get(i).maxLength(engine.promptLength(sources.get(i)))
                        > engine.info().maxPositions()) {
                    problem = engine.encoderDecoder()
                            ? "max_new_tokens " + params.get(i).maxNewTokens() + " exceeds the limit of "
                            + (engine.info().maxPositions() - 1) + " (max_position_embeddings)"
                            : "the prompt's " + sources.get(i).length + " tokens and max_new_tokens "
                            + params.get(i).maxNewTokens() + " exceed max_position_embeddings ("
                            + engine.info().maxPositions() + ")";
                }
                if (problem == null && sources.get(i).length > engine.info().maxPositions()) {
                    problem = "input_ids has " + sources.get(i).length + " tokens, more than max_position_embeddings ("
                            + engine.info().maxPositions() + ")";
                }
                if (problem != null) {
                    throw new RequestRejectedException(input + " line " + lines.get(i).number() + ": " + problem);
                }
            }
            List<GenerationResult> results;
            try (ProgressReporter progress = ProgressReporter.start("Generating", "requests")) {
                int[] done = {0};
                results = engine.generate(sources, params, batchSize, report -> {
                    done[0] += report.completed().size();
                    progress.progress(done[0], sources.size(), "");
                });
            }
            var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            for (int i = 0; i < sources.size(); i++) {
                ObjectNode line = JsonLines.JSON.createObjectNode();
                var ids = line.putArray("input_ids");
                for (int id : sources.get(i)) {
                    ids.add(id);
                }
                var seq = line.putArray("sequence");
                for (int id : results.get(i).sequence()) {
                    seq.add(id);
                }
                line.put("score", results.get(i).score());
                line.put("finish_reason", results.get(i).finishReason().name().toLowerCase(java.util.Locale.ROOT));
                out.write(JsonLines.JSON.writeValueAsString(line));
                out.newLine();
            }
            out.flush();
        }
        return 0;
    }
}
