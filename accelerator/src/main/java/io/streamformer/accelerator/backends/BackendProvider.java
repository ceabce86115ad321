package io.streamformer.accelerator.backends;

import java.util.List;

/**
 * Makes backends of one kind; found with {@link java.util.ServiceLoader}, so that a backend module (such as
 * the TornadoVM one, built only where its SDK is installed) plugs in by being on the class path.
 */
public interface BackendProvider {
    /** The name users select it by, e.g. "jvm" or "tornadovm". */
    String name();

    /** Creates a backend on the given device (null: the default device). Throws with a one-line reason. */
    Backend create(Integer device);

    /** The devices this backend can use, one line each. */
    List<String> devices();
}
