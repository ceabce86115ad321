package io.streamformer.app.cli;

import io.streamformer.accelerator.backends.BackendProvider;
import io.streamformer.accelerator.backends.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code devices}: the backends in this build and the devices each can use. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List backends and their devices.")
public final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--backend", paramLabel = "NAME", description = "Only this backend.")
    String backend;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() {
        for (BackendProvider p : backend == null ? Backends.providers() : java.util.List.of(Backends.provider(backend))) {
            System.out.println(p.name() + ":");
            for (String d : p.devices()) {
                System.out.println("  " + d);
            }
        }
        return 0;
    }
}
