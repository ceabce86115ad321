package io.streamformer.app.cli;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.Translator;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code translate}: text in, one translation per line out, in input order. For quick checks of a model. */
@Command(name = "translate", mixinStandardHelpOptions = true,
        description = {"Translate text with a Marian model directory that has tokenizer files "
                + "(source.spm, target.spm, vocab.json), e.g. an opus-mt checkpoint.",
                "Prints one translation per line, in input order: the TEXT arguments first, then the lines of --input."})
public final class TranslateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Mixin
    GenerationOptions generation;

    @Parameters(arity = "0..*", paramLabel = "TEXT", description = "Sentences to translate.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE",
            description = "A file with one sentence per line, or - for stdin (an empty line gives an empty line).")
    String input;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "Sentences decoded together (continuous batching). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1");
        }
        List<String> sentences = new ArrayList<>(texts);
        if (input != null) {
            sentences.addAll(readLines(input));
        }
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException("nothing to translate: give the text as arguments or --input FILE");
        }
        // the tokenizer first: a directory without one fails before the weights are loaded
        List<String> missing = MarianTokenizer.missingFiles(common.modelDir());
        if (!missing.isEmpty()) {
            throw new ModelFormatException(common.model + " has no tokenizer files (" + String.join(", ", missing)
                    + " missing): translate needs a Marian tokenizer; use generate to feed token ids");
        }
        MarianTokenizer tokenizer = MarianTokenizer.load(common.modelDir());
        try (Engine engine = common.loadEngine()) {
            Translator translator = new Translator(engine, tokenizer);
            GenerationParams params = engine.generationConfig().resolve(generation.overrides());
            if (params.problem() != null) {
                throw new IllegalArgumentException(params.problem());
            }
            List<String> translations;
            try (ProgressReporter progress = ProgressReporter.start("Translating", "sentences")) {
                int[] done = {0};
                translations = translator.translate(sentences, params, batchSize, report -> {
                    done[0] += report.completed().size();
                    progress.progress(done[0], sentences.size(), "");
                });
            }
            var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            for (String translation : translations) {
                // one translation per line, whatever characters the model produced
                out.write(translation.replace('\r', ' ').replace('\n', ' '));
                out.newLine();
            }
            out.flush();
        }
        return 0;
    }

    private static List<String> readLines(String source) throws IOException {
        if (source.equals("-")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            return in.lines().toList();
        }
        try {
            return Files.readAllLines(Path.of(source), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException("input file " + source + " does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InputException("input file " + source + " is not UTF-8 text");
        }
    }
}
