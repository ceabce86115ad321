package io.streamformer.accelerator.backends;

import io.streamformer.accelerator.backends.jvm.JvmBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Selects a backend by name: "jvm" always, others when their module is on the class path. */
public final class Backends {
    public static final String DEFAULT = "jvm";

    private Backends() {
    }

    /** A backend of that name on that device (null: the default one); timed per call with -Dstreamformer.profile=true. */
    public static Backend create(String name, Integer device) {
        Backend b = provider(name).create(device);
        return ProfilingBackend.enabled() ? new ProfilingBackend(b) : b;
    }

    public static BackendProvider provider(String name) {
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        if (name.equals("tornadovm")) {
            throw new IllegalArgumentException("backend 'tornadovm' is not available: this build has no TornadoVM"
                    + " module (build with TORNADOVM_HOME set and run through ./streamformer, see README)");
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + names() + ")");
    }

    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        all.add(new JvmProvider());
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        return all;
    }

    public static List<String> names() {
        return providers().stream().map(BackendProvider::name).toList();
    }

    private static final class JvmProvider implements BackendProvider {
        @Override
        public String name() {
            return "jvm";
        }

        @Override
        public Backend create(Integer device) {
            if (device != null && device != 0) {
                throw new IllegalArgumentException("backend 'jvm' has one device (0), not " + device);
            }
            return new JvmBackend();
        }

        @Override
        public List<String> devices() {
            try (JvmBackend b = new JvmBackend()) {
                return List.of("0: " + b.device());
            }
        }
    }
}
