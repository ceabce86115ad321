package io.streamformer.app.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {

    private static String runExpectingError(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertThat(StreamFormerCli.execute(args)).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        return captured.toString();
    }

    @Test
    void aMissingConfigurationFileIsReportedInOneLine() {
        assertThat(runExpectingError("run", "--config", "/no/such/app.properties"))
                .contains("cannot read the configuration file /no/such/app.properties");
    }

    @Test
    void aBadKeyIsReportedWithTheFileName() throws Exception {
        Path file = Files.createTempFile("app-", ".properties");
        Files.writeString(file, "bootstrap.servers=localhost:9092\napplication.id=x\nstreamformer.model.dir=/m\n"
                + "streamformer.batch.max.request=4\n");
        assertThat(runExpectingError("run", "--config", file.toString()))
                .contains(file + ": unknown key streamformer.batch.max.request");
    }

    @Test
    void kafkaStreamsOwnValidationIsReportedWithTheFileName() throws Exception {
        Path file = Files.createTempFile("app-", ".properties");
        Files.writeString(file, "bootstrap.servers=localhost:9092\napplication.id=x\nprocessing.guarantee=twice\n"
                + "streamformer.model.dir=" + io.streamformer.app.testing.TinyModel.dir() + "\nstreamformer.http.port=-1\n");
        assertThat(runExpectingError("run", "--config", file.toString()))
                .contains(file.toString()).contains("processing.guarantee");
    }
}
