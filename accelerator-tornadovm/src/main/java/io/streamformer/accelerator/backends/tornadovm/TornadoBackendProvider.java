package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.BackendProvider;

import java.util.List;

/**
 * The "tornadovm" backend for {@link io.streamformer.accelerator.backends.Backends}, found by ServiceLoader.
 * This class touches no TornadoVM type itself (only {@link TornadoDevices} does, lazily), so that listing the
 * providers works on a JVM started without TornadoVM, and asking for this one fails with one clear line.
 */
public final class TornadoBackendProvider implements BackendProvider {

    static final String NO_RUNTIME = "backend 'tornadovm' needs the TornadoVM runtime: set TORNADOVM_HOME to a TornadoVM"
            + " SDK and run through ./streamformer (the JVM must start with @$TORNADOVM_HOME/tornado-argfile)";

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public Backend create(Integer device) {
        try {
            return TornadoDevices.create(device);
        } catch (LinkageError e) {
            throw new IllegalArgumentException(NO_RUNTIME + " (" + e.getClass().getSimpleName() + ": "
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** One line per device; a single "unavailable: reason" line when TornadoVM cannot be used here. */
    @Override
    public List<String> devices() {
        try {
            return TornadoDevices.list();
        } catch (LinkageError e) {
            return List.of("unavailable: " + NO_RUNTIME.substring("backend 'tornadovm' ".length()));
        } catch (IllegalArgumentException e) {
            return List.of("unavailable: " + e.getMessage());
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
