package io.streamformer.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Models shipped inside the application jar under {@code models/NAME/}. The engine reads a directory, so a
 * bundled model is copied out to a temporary one first.
 */
public final class BundledModels {
    /** The tiny random Marian model: instant, meaningless outputs, no tokenizer. */
    public static final String TINY_MARIAN = "tiny-marian";
    /** The English→Spanish model trained by tools/default-model (real translations, with a tokenizer). */
    public static final String EN_ES = "en-es";

    private static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "tokenizer_config.json", "vocab.json", "target_vocab.json", "source.spm", "target.spm",
            "special_tokens_map.json");

    private BundledModels() {
    }

    public static boolean exists(String name) {
        return BundledModels.class.getResource("/models/" + name + "/config.json") != null;
    }

    /** The directory for {@code --model NAME|DIR}: a bundled model of that name (extracted), else the path. */
    public static Path resolve(String nameOrDirectory) {
        return exists(nameOrDirectory) ? extract(nameOrDirectory) : Path.of(nameOrDirectory);
    }

    /**
     * Copies the bundled model to {@code <tmpdir>/streamformer-models/NAME} (reused when already there), so that
     * the directory's name, and with it the default model id, stays NAME.
     */
    public static Path extract(String name) {
        if (!exists(name)) {
            throw new IllegalArgumentException("no bundled model '" + name + "' (models/" + name
                    + "/config.json is not on the class path)");
        }
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "streamformer-models", name);
            Files.createDirectories(dir);
            for (String file : FILES) {
                try (InputStream in = BundledModels.class.getResourceAsStream("/models/" + name + "/" + file)) {
                    if (in == null) {
                        continue;
                    }
                    byte[] bytes = in.readAllBytes();
                    Path target = dir.resolve(file);
                    if (Files.exists(target) && Files.size(target) == bytes.length
                            && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                        continue;
                    }
                    // write aside, then move: another JVM may be reading the same directory
                    Path tmp = Files.createTempFile(dir, file, ".part");
                    Files.write(tmp, bytes);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled model " + name, e);
        }
    }
}
