package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.ModelText;
import io.streamformer.accelerator.StopStrings;
import io.streamformer.accelerator.decoding.FinishReason;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.tokenizer.chat.ChatMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code complete}: text in, text out for a decoder-only language model with a tokenizer.json: raw prompts (the
 * arguments, then the lines of --input), or one chat message (--chat, rendered with the model's chat template and
 * its generation prompt). Prints each completion (the new tokens' text), or JSON lines with --json.
 */
@Command(name = "complete", mixinStandardHelpOptions = true,
        description = {"Complete prompts with a language model (tokenizer.json in its directory): the PROMPT"
                + " arguments and the lines of --input as raw text, or --chat MESSAGE through the model's chat"
                + " template. Prints each completion in input order (--json: one JSON line each)."})
public final class CompleteCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Mixin
    GenerationOptions generation;

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "Raw prompts.")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE", description = "A file with one prompt per line, or - for stdin.")
    String input;

    @Option(names = "--chat", paramLabel = "MESSAGE", description = "A user message for a chat model.")
    String chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system message before it.")
    String system;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop string (repeatable): the completion ends"
            + " before it.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--json", description = "Print {\"prompt\",\"completion\",\"finish_reason\",\"tokens\"} lines.")
    boolean json;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "Prompts decoded together (continuous batching). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        List<String> texts = new ArrayList<>(prompts);
        if (input != null) {
            texts.addAll(readLines(input));
        }
        if (chat == null && texts.isEmpty()) {
            throw new IllegalArgumentException("nothing to complete: give PROMPT arguments, --input FILE or --chat");
        }
        if (chat != null && !texts.isEmpty()) {
            throw new IllegalArgumentException("--chat takes one message: give it without PROMPT or --input");
        }
        if (system != null && chat == null) {
            throw new IllegalArgumentException("--system goes with --chat");
        }
        try (Engine engine = common.loadEngine()) {
            if (engine.encoderDecoder()) {
                throw new IllegalArgumentException(engine.info().architecture() + " is a translation model: use"
                        + " translate");
            }
            ModelText text = ModelText.load(engine);
            if (text == null) {
                throw new IllegalArgumentException(common.modelDir() + " has no tokenizer.json: complete needs the"
                        + " model's tokenizer (generate takes token ids)");
            }
            List<int[]> inputs = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            if (chat != null) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(ChatMessage.system(system));
                }
                messages.add(ChatMessage.user(chat));
                inputs.add(text.encodeChat(messages));
                shown.add(chat);
            } else {
                for (String t : texts) {
                    inputs.add(text.encode(t));
                    shown.add(t);
                }
            }
            List<GenerationParams> params = new ArrayList<>();
            List<StopStrings> stops = new ArrayList<>();
            for (int[] in : inputs) {
                GenerationParams p = engine.params(generation.overrides(), in);
                if (!stop.isEmpty() && p.numBeams() > 1) {
                    throw new IllegalArgumentException("--stop needs greedy decoding or sampling (--beams 1)");
                }
                params.add(p);
                stops.add(stop.isEmpty() ? null : text.stopStrings(stop));
            }
            List<GenerationResult> results;
            try (ProgressReporter progress = ProgressReporter.start("Completing", "prompts")) {
                int[] done = {0};
                results = engine.generate(inputs, params, stops, batchSize, report -> {
                    done[0] += report.completed().size();
                    progress.progress(done[0], inputs.size(), "");
                });
            }
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            for (int i = 0; i < results.size(); i++) {
                GenerationResult r = results.get(i);
                String completion = text.decodeGenerated(r.sequence(), inputs.get(i).length);
                if (r.finishReason() == FinishReason.STOP) {
                    completion = stops.get(i).trim(completion);
                }
                if (json) {
                    ObjectNode line = JsonLines.JSON.createObjectNode().put("prompt", shown.get(i))
                            .put("completion", completion)
                            .put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT))
                            .put("tokens", r.generatedTokens());
                    out.println(JsonLines.JSON.writeValueAsString(line));
                } else {
                    out.println(completion);
                }
            }
        }
        return 0;
    }

    private static List<String> readLines(String file) throws java.io.IOException {
        if (file.equals("-")) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                return r.lines().toList();
            }
        }
        return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
    }
}
