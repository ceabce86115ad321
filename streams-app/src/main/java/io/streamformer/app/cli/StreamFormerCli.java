package io.streamformer.app.cli;

import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.scheduler.RequestRejectedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code ./streamformer} command line. */
@Command(name = "streamformer", mixinStandardHelpOptions = true, version = "StreamFormer 0.1.0",
        description = "Transformer inference inside Apache Kafka Streams.",
        subcommands = {
                GenerateCommand.class,
                TranslateCommand.class,
                CompleteCommand.class,
                ForwardCommand.class,
                BenchCommand.class,
                MemoryBandwidthCommand.class,
                CreateModelCommand.class,
                DevicesCommand.class,
                RunCommand.class,
                DemoCommand.class,
                KafkaBenchCommand.class,
                BrokerCommand.class,
        })
public final class StreamFormerCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new StreamFormerCli());
        cli.setExecutionExceptionHandler(StreamFormerCli::reportError);
        return cli.execute(args);
    }

    /** One line for people; the stack trace only with --verbose. */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"))
                || parsed.hasMatchedOption("--verbose");
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        boolean expected = e instanceof ModelFormatException || e instanceof IllegalArgumentException
                || e instanceof RequestRejectedException || e instanceof InputException
                || e instanceof java.io.IOException;
        err.println("streamformer: " + (expected ? "" : e.getClass().getSimpleName() + ": ") + message);
        if (verbose) {
            e.printStackTrace(err);
        } else if (!expected) {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return expected ? 2 : 1;
    }
}
