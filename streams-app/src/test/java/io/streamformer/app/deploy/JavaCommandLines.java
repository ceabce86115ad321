package io.streamformer.app.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The java command lines that ./streamformer and an image's ENTRYPOINT really run, found by running them
 * (with /bin/sh and bash) against a stub JDK whose {@code java} writes down its arguments instead of starting
 * a JVM. The launcher runs from a copy of itself in a scratch directory with an empty, up-to-date jar, so it
 * neither builds nor finds a real JDK.
 */
final class JavaCommandLines {
    private final Path dir;
    private final Path jdk;
    private final Path launcherRoot;
    private final Path tornadovmHome;
    private final Path argvFile;

    JavaCommandLines(Path scratch) {
        try {
            this.dir = scratch;
            this.jdk = scratch.resolve("jdk");
            this.launcherRoot = scratch.resolve("repo");
            this.tornadovmHome = scratch.resolve("tornadovm");
            this.argvFile = scratch.resolve("argv");
            Files.createDirectories(jdk.resolve("bin"));
            executable(jdk.resolve("bin/java"), """
                    #!/bin/sh
                    case "$*" in *-XshowSettings:properties*) echo "    java.specification.version = 21" >&2; exit 0;; esac
                    for a in "$0" "$@"; do printf '%s\\0' "$a"; done > "$ARGV_FILE"
                    """);
            executable(jdk.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
            Files.createDirectories(launcherRoot.resolve("tools"));
            Files.copy(DeployFiles.path("streamformer"), launcherRoot.resolve("streamformer"));
            Files.copy(DeployFiles.path("tools/find-jdk.sh"), launcherRoot.resolve("tools/find-jdk.sh"));
            launcherRoot.resolve("streamformer").toFile().setExecutable(true);
            // jars newer than any source (there are none here): the launcher does not build
            Files.createDirectories(launcherRoot.resolve("streams-app/target"));
            Files.createFile(launcherRoot.resolve("streams-app/target/streamformer.jar"));
            Files.createDirectories(launcherRoot.resolve("accelerator-tornadovm/target"));
            Files.createFile(launcherRoot.resolve("accelerator-tornadovm/target/streamformer-accelerator-tornadovm.jar"));
            Files.createDirectories(tornadovmHome.resolve("share/java/tornado"));
            Files.createFile(tornadovmHome.resolve("tornado-argfile"));
            // an SDK for JDK 21, the stub's version: the launcher keeps the JDK it found
            Files.createFile(tornadovmHome.resolve("share/java/tornado/tornado-api-5.2.0-jdk21.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * What ./streamformer ARGS executes in environment ENV (JAVA_HOME is the stub JDK, TORNADOVM_HOME a stub SDK
     * when ENV names one).
     */
    List<String> launcher(List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of("bash", launcherRoot.resolve("streamformer").toString()));
        command.addAll(args);
        return run(command, env);
    }

    /** What an exec-form ENTRYPOINT followed by ARGS executes in environment ENV (the same substitutions). */
    List<String> entrypoint(List<String> entrypoint, List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>(entrypoint);
        command.addAll(args);
        return run(command, env);
    }

    private List<String> run(List<String> command, Map<String, String> extraEnv) {
        try {
            Files.deleteIfExists(argvFile);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.clear();
            env.put("PATH", "/usr/bin:/bin");
            env.putAll(extraEnv);
            env.put("JAVA_HOME", jdk.toString());
            env.put("ARGV_FILE", argvFile.toString());
            if (extraEnv.containsKey("TORNADOVM_HOME")) {
                env.put("TORNADOVM_HOME", tornadovmHome.toString());
            }
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            if (!Files.exists(argvFile)) {
                throw new IllegalStateException("java was not executed by " + command + " (exit " + p.exitValue()
                        + "): " + output);
            }
            String recorded = Files.readString(argvFile);
            List<String> argv = new ArrayList<>(List.of(recorded.split("\0", -1)));
            argv.remove(argv.size() - 1); // after the last NUL
            return argv;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The stub java's path: what both must execute. */
    String java() {
        return jdk.resolve("bin/java").toString();
    }

    /**
     * A command line with the parts that legitimately differ between the launcher and an image removed: the
     * JVM's -XX: tuning flags (the image adds container settings) and the jars' directories (only their file
     * names must agree).
     */
    static List<String> comparable(List<String> argv) {
        List<String> out = new ArrayList<>();
        for (String a : argv) {
            if (a.startsWith("-XX:")) {
                continue;
            }
            if (a.contains(".jar")) {
                List<String> names = new ArrayList<>();
                for (String part : a.split(":")) {
                    names.add(Path.of(part).getFileName().toString());
                }
                out.add(String.join(":", names));
            } else {
                out.add(a);
            }
        }
        return out;
    }
}
