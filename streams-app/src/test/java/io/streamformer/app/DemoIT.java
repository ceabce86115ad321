package io.streamformer.app;

import io.streamformer.app.cli.StreamFormerCli;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamformer demo}: brings up its own broker, answers every sample request, reports the bad one, exits 0. */
class DemoIT {
    @Test
    void theDemoRunsEndToEndAndExitsByItself() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        int exit;
        try {
            exit = StreamFormerCli.execute("demo", "--requests", "6", "--model", BundledModels.TINY_MARIAN);
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString();
        out.print(printed);
        assertThat(exit).isZero();
        assertThat(printed).contains("[ 6/6]").contains("[dead letter]").contains("UNDECODABLE").contains("[demo] done");
        for (int i = 1; i <= 6; i++) {
            assertThat(printed).contains(String.format("demo-%02d", i));
        }
    }
}
