package io.streamformer.app.testing;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.models.marian.MarianCheckpointWriter;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.format.DType;
import io.streamformer.schemas.InferenceRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tiny random-weight Marian model (d_model 16, one layer each side, 64 positions) with the en-es tokenizer of the
 * accelerator's test resources (vocabulary 10783): text in and text out, through the real tokenizer, with nonsense
 * translations. Written once per JVM into a temporary directory.
 */
public final class TextModel {
    /** The tokenizer files of a real English→Spanish Marian model. */
    public static final Path EN_ES_TOKENIZER = Path.of("..", "accelerator", "src", "test", "resources", "tokenizer",
            "en-es").toAbsolutePath().normalize();
    public static final MarianCheckpointWriter.Shape SHAPE =
            new MarianCheckpointWriter.Shape(10783, 16, 1, 1, 2, 32, "swish", 64);
    private static Path dir;

    private TextModel() {
    }

    /** The model directory (weights, configs and tokenizer files), named {@code tiny-en-es}. */
    public static synchronized Path dir() {
        if (dir == null) {
            dir = write(TestApps.tempDir("streamformer-text-model-").resolve("tiny-en-es"));
        }
        return dir;
    }

    /** Writes the model into {@code target} (a new directory). */
    public static Path write(Path target) {
        try {
            MarianCheckpointWriter.writeRandom(SHAPE, target, DType.F32, 3, 0.5, ProgressListener.NONE);
            for (String file : List.of("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")) {
                Files.copy(EN_ES_TOKENIZER.resolve(file), target.resolve(file));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Engine load() {
        return Engine.load(dir(), new JvmBackend(1), ProgressListener.NONE);
    }

    public static final List<String> SENTENCES = List.of("The weather is nice today.", "Where is the train station?",
            "I would like a cup of coffee.", "The children are playing in the garden.", "Please close the door.",
            "My brother lives in the city.", "Thank you for your help.", "How much does this cost?");

    /**
     * {@code n} text requests with ids {@code prefix-NN}: the sentences above in turn, greedy, beam search (2 beams)
     * and seeded sampling in turn (every mode explicit: the model defaults to 4 beams), max_new_tokens between
     * {@code minNew} and {@code maxNew}.
     */
    public static List<InferenceRequest> textRequests(int n, String prefix, int minNew, int maxNew) {
        List<InferenceRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            InferenceRequest.Builder b = InferenceRequest.newBuilder()
                    .setRequestId(String.format("%s-%02d", prefix, i))
                    .setText(SENTENCES.get(i % SENTENCES.size()))
                    .setMaxNewTokens(minNew + i * 7 % (maxNew - minNew + 1))
                    .setMetadata(Map.of("case", prefix + i));
            switch (i % 3) {
                case 1 -> b.setNumBeams(2);
                case 2 -> b.setNumBeams(1).setDoSample(true).setTopK(20).setTemperature(0.9).setSeed(500L + i);
                default -> b.setNumBeams(1);
            }
            out.add(b.build());
        }
        return out;
    }
}
