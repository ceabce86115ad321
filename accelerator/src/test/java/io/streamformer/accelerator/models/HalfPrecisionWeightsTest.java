package io.streamformer.accelerator.models;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.tensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * F16 and BF16 checkpoints compute in fp32: loading the half-precision file must give exactly the logits
 * of an F32 file holding the same (already rounded) values.
 */
class HalfPrecisionWeightsTest {

    @TempDir
    Path tmp;

    private float[][] logits(Path dir) {
        try (Engine e = Engine.load(dir, new JvmBackend(1), ProgressListener.NONE)) {
            return e.forward(new int[]{5, 17, 42, 0}, new int[]{95, 3, 8});
        }
    }

    @Test
    void halfPrecisionFilesGiveTheLogitsOfTheirFp32Values() throws IOException {
        for (DType half : new DType[]{DType.F16, DType.BF16}) {
            Path halfDir = tmp.resolve(half.name());
            MarianCheckpointWriter.writeRandom(MarianCheckpointWriter.TINY, halfDir, half, 7, 0.3, ProgressListener.NONE);
            // the same values, widened to F32: re-read the half file and write it as F32
            Path fullDir = tmp.resolve(half.name() + "-as-f32");
            try (var file = io.streamformer.accelerator.tensors.SafetensorsFile.open(halfDir.resolve("model.safetensors"))) {
                var writer = new io.streamformer.accelerator.tensors.SafetensorsWriter(DType.F32);
                for (var info : file.tensors().values()) {
                    assertThat(info.dtype()).isEqualTo(half);
                    writer.add(info.name(), file.readFloats(info.name()), info.shape());
                }
                java.nio.file.Files.createDirectories(fullDir);
                writer.write(fullDir.resolve("model.safetensors"));
            }
            java.nio.file.Files.copy(halfDir.resolve("config.json"), fullDir.resolve("config.json"));
            assertThat(logits(halfDir)).isDeepEqualTo(logits(fullDir));
        }
    }
}
