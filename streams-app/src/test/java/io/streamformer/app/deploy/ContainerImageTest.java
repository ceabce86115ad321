package io.streamformer.app.deploy;

import io.streamformer.app.BundledModels;
import io.streamformer.app.cli.StreamFormerCli;
import io.streamformer.app.config.StreamFormerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.streamformer.app.deploy.Deployments.DOCKERFILE;
import static io.streamformer.app.deploy.Deployments.DOCKERFILE_TORNADOVM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/Dockerfile and deploy/Dockerfile.tornadovm (no container engine here: what can be checked without
 * building them), and the .dockerignore that shapes their build context.
 */
class ContainerImageTest {

    @TempDir
    static Path scratch;
    static JavaCommandLines commandLines;

    @BeforeAll
    static void stubJdk() {
        commandLines = new JavaCommandLines(scratch);
    }

    /** Structure: build with the wrapper, run as non-root on Java 21+, the CMD the CLI understands, the port. */
    static List<String> imageProblems(String origin, Dockerfile df) {
        List<String> problems = new ArrayList<>();
        if (df.stages().size() < 2) {
            problems.add(origin + ": not multi-stage (build, then a runtime image without the build tools)");
        }
        boolean builds = df.stages().subList(0, Math.max(0, df.stages().size() - 1)).stream()
                .flatMap(s -> s.all("RUN").stream())
                .anyMatch(r -> r.arguments().contains("./mvnw") && r.arguments().contains("package"));
        if (!builds) {
            problems.add(origin + ": no build stage runs ./mvnw ... package (the launcher's build)");
        }
        Dockerfile.Stage last = df.finalStage();
        Matcher version = Pattern.compile("eclipse-temurin:(\\d+)").matcher(last.image());
        if (!(version.find() && Integer.parseInt(version.group(1)) >= 21) && !last.env().containsKey("JAVA_HOME")) {
            problems.add(origin + ": the runtime image " + last.image() + " is no eclipse-temurin 21+ and sets no JAVA_HOME");
        }
        String user = last.last("USER").map(Dockerfile.Instruction::arguments).orElse("root").split(":")[0];
        if (user.equals("root") || user.equals("0")) {
            problems.add(origin + ": runs as root (USER " + user + ")");
        }
        if (last.last("ENTRYPOINT").isEmpty() || last.last("CMD").isEmpty()) {
            problems.add(origin + ": needs an ENTRYPOINT (the java command) and a CMD (its arguments)");
            return problems;
        }
        List<String> cmd = last.last("CMD").get().execForm();
        CommandLine cli = new CommandLine(new StreamFormerCli());
        CommandLine sub = cmd.isEmpty() ? null : cli.getSubcommands().get(cmd.get(0));
        if (sub == null) {
            problems.add(origin + ": CMD " + cmd + " names no command of the CLI (" + cli.getSubcommands().keySet() + ")");
        } else if (sub.getCommandSpec().findOption("--config") == null) {
            problems.add(origin + ": the CLI's " + cmd.get(0) + " command has no --config option");
        }
        Properties baked;
        try {
            baked = DeployFiles.properties(DeployFiles.read(Deployments.bakedConfig(df)));
        } catch (AssertionError e) {
            problems.add(origin + ": " + e.getMessage());
            return problems;
        }
        StreamFormerConfig cfg = DeployChecks.effectiveConfig(origin, baked, last.env());
        int port = DeployChecks.httpPort(cfg);
        List<String> exposed = last.all("EXPOSE").stream().flatMap(e -> List.of(e.arguments().split("\\s+")).stream())
                .map(p -> p.split("/")[0]).toList();
        if (!exposed.contains(String.valueOf(port))) {
            problems.add(origin + ": EXPOSE " + exposed + " leaves out the app's HTTP port " + port);
        }
        // the configured model: a bundled model directory that the image copies to the model root
        Path modelDir = Path.of(cfg.modelDir());
        boolean copiesModels = last.all("COPY").stream().map(Dockerfile::copyPaths)
                .anyMatch(p -> Path.of(p.get(p.size() - 1)).equals(modelDir.getParent()));
        if (!copiesModels) {
            problems.add(origin + ": nothing is copied to " + modelDir.getParent() + ", the parent of "
                    + StreamFormerConfig.MODEL_DIR + "=" + modelDir);
        }
        if (!BundledModels.exists(modelDir.getFileName().toString())) {
            problems.add(origin + ": " + StreamFormerConfig.MODEL_DIR + "=" + modelDir + " is no bundled model");
        }
        String script = String.join(" ", last.last("ENTRYPOINT").get().execForm());
        if (!script.contains("-XX:MaxRAMPercentage=") && !script.contains("-Xmx")) {
            problems.add(origin + ": the JVM's heap is not sized for a container (-XX:MaxRAMPercentage)");
        }
        return problems;
    }

    @Test
    void the_images_are_built_by_the_wrapper_and_run_as_non_root_with_the_clis_run_command() {
        assertThat(imageProblems(DOCKERFILE, Deployments.dockerfile(DOCKERFILE))).isEmpty();
        assertThat(imageProblems(DOCKERFILE_TORNADOVM, Deployments.dockerfile(DOCKERFILE_TORNADOVM))).isEmpty();
    }

    @Test
    void image_checks_catch_root_a_wrong_port_an_unknown_command_and_a_single_stage() {
        String text = DeployFiles.read(DeployFiles.path(DOCKERFILE));
        assertThat(imageProblems("root", Dockerfile.parse(text.replace("USER 10001:10001", "USER root"))))
                .anyMatch(p -> p.contains("runs as root"));
        assertThat(imageProblems("port", Dockerfile.parse(text.replace("EXPOSE 8080", "EXPOSE 9090"))))
                .anyMatch(p -> p.contains("HTTP port 8080"));
        assertThat(imageProblems("cmd", Dockerfile.parse(text.replace("CMD [\"run\"", "CMD [\"serve\""))))
                .anyMatch(p -> p.contains("names no command"));
        String singleStage = text.substring(text.indexOf("FROM ${RUNTIME_IMAGE}"));
        assertThat(imageProblems("single", Dockerfile.parse("ARG RUNTIME_IMAGE=eclipse-temurin:21-jre\n" + singleStage)))
                .anyMatch(p -> p.contains("not multi-stage"));
        assertThat(imageProblems("jre17", Dockerfile.parse(text.replace("eclipse-temurin:21-jre", "eclipse-temurin:17-jre"))))
                .anyMatch(p -> p.contains("no eclipse-temurin 21+"));
        assertThat(imageProblems("heap", Dockerfile.parse(text.replace("-XX:MaxRAMPercentage=60 ", ""))))
                .anyMatch(p -> p.contains("not sized for a container"));
    }

    /**
     * The image's java command is the launcher's: same module flags, options, jar (or class path and main class),
     * both run with the image's CMD and ENV (STREAMFORMER_BACKEND=tornadovm makes the launcher take its TornadoVM
     * path), with and without STREAMFORMER_JAVA_OPTS.
     */
    static List<String> entrypointProblems(String origin, Dockerfile df) {
        List<String> entrypoint = df.finalStage().last("ENTRYPOINT").orElseThrow().execForm();
        List<String> args = df.finalStage().last("CMD").orElseThrow().execForm();
        List<String> problems = new ArrayList<>();
        for (String opts : new String[] {null, "-Dstreamformer.probe=1 -Xss2m"}) {
            Map<String, String> env = new java.util.HashMap<>(df.finalStage().env());
            if (opts != null) {
                env.put("STREAMFORMER_JAVA_OPTS", opts);
            }
            List<String> launcher = commandLines.launcher(args, env);
            List<String> image = commandLines.entrypoint(entrypoint, args, env);
            if (!image.get(0).equals(commandLines.java())) {
                problems.add(origin + ": runs " + image.get(0) + ", not $JAVA_HOME/bin/java");
            }
            List<String> expected = JavaCommandLines.comparable(launcher.subList(1, launcher.size()));
            List<String> actual = JavaCommandLines.comparable(image.subList(1, image.size()));
            if (!expected.equals(actual)) {
                problems.add(origin + " (STREAMFORMER_JAVA_OPTS=" + opts + "): the image runs java " + actual
                        + ", the launcher java " + expected);
            }
        }
        return problems;
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void the_entrypoint_runs_the_launchers_java_command() {
        assertThat(entrypointProblems(DOCKERFILE, Deployments.dockerfile(DOCKERFILE))).isEmpty();
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void the_tornadovm_entrypoint_runs_the_launchers_tornadovm_java_command() {
        assertThat(entrypointProblems(DOCKERFILE_TORNADOVM, Deployments.dockerfile(DOCKERFILE_TORNADOVM)))
                .isEmpty();
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void entrypoint_check_catches_a_missing_module_flag_ignored_options_and_another_main_class() {
        String text = DeployFiles.read(DeployFiles.path(DOCKERFILE));
        assertThat(entrypointProblems("no-vector", Dockerfile.parse(
                text.replace("--add-modules=jdk.incubator.vector ", "")))).isNotEmpty();
        assertThat(entrypointProblems("no-opts", Dockerfile.parse(
                text.replace("${STREAMFORMER_JAVA_OPTS:-} ", "")))).hasSize(1);
        String tornado = DeployFiles.read(DeployFiles.path(DOCKERFILE_TORNADOVM));
        assertThat(entrypointProblems("main", Dockerfile.parse(
                tornado.replace("io.streamformer.app.cli.StreamFormerCli", "io.streamformer.app.Main"))))
                .isNotEmpty();
        assertThat(entrypointProblems("bailout", Dockerfile.parse(
                tornado.replace("-Dtornado.recover.bailout=False ", "")))).isNotEmpty();
    }

    // ---------------------------------------------------------------- .dockerignore

    /** Paths that the build needs in the context, and paths that must stay out of it. */
    static final List<String> NEEDED = List.of("mvnw", ".mvn/wrapper/maven-wrapper.properties", "pom.xml",
            "schemas/pom.xml", "schemas/src/main/avro/InferenceRequest.avsc", "accelerator/pom.xml",
            "accelerator/src/main/java/io/streamformer/accelerator/Engine.java", "streams-app/pom.xml",
            "streams-app/src/main/java/io/streamformer/app/cli/StreamFormerCli.java",
            "streams-app/src/main/resources/models/tiny-marian/config.json", "deploy/config/streamformer.properties");
    static final List<String> EXCLUDED = List.of("streams-app/target/streamformer.jar", "accelerator/target/classes",
            ".git/HEAD", "tools/default-model/work/corpus.txt");

    /** Docker's matching: the last pattern that matches a path (or one of its parent directories) decides. */
    static boolean ignored(List<String> patterns, String path) {
        boolean ignored = false;
        for (String raw : patterns) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            String pattern = (exception ? line.substring(1) : line).replaceAll("^/+", "").replaceAll("/+$", "");
            if (matchesPathOrParent(glob(pattern), path)) {
                ignored = !exception;
            }
        }
        return ignored;
    }

    private static boolean matchesPathOrParent(Pattern p, String path) {
        for (String prefix = path; !prefix.isEmpty(); ) {
            if (p.matcher(prefix).matches()) {
                return true;
            }
            int slash = prefix.lastIndexOf('/');
            prefix = slash < 0 ? "" : prefix.substring(0, slash);
        }
        return false;
    }

    private static Pattern glob(String pattern) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                    re.append("/?");
                    i++;
                }
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString().replace(".*/?", "(.*/)?"));
    }

    static List<String> dockerignoreProblems(List<String> patterns) {
        List<String> problems = new ArrayList<>();
        for (String p : NEEDED) {
            if (ignored(patterns, p)) {
                problems.add(".dockerignore leaves " + p + " out of the build context; the build needs it");
            }
        }
        for (String p : EXCLUDED) {
            if (!ignored(patterns, p)) {
                problems.add(".dockerignore sends " + p + " into the build context");
            }
        }
        return problems;
    }

    @Test
    void dockerignore_keeps_the_sources_and_drops_build_output() throws Exception {
        for (String p : NEEDED) {
            assertThat(DeployFiles.path(p)).as("a file the check expects").exists();
        }
        List<String> patterns = Files.readAllLines(DeployFiles.path(".dockerignore"));
        assertThat(dockerignoreProblems(patterns)).isEmpty();
        List<String> broken = new ArrayList<>(patterns);
        broken.add("deploy");
        broken.add("!**/target");
        assertThat(dockerignoreProblems(broken)).hasSize(1 + 2);
        assertThat(dockerignoreProblems(List.of("*"))).hasSize(NEEDED.size());
    }

    @Test
    void the_configuration_baked_into_the_image_is_the_repositorys() {
        assertThat(Deployments.bakedConfig(Deployments.dockerfile(DOCKERFILE)))
                .isEqualTo(DeployFiles.path("deploy/config/streamformer.properties"));
        Map<String, String> tornadoEnv = Deployments.dockerfile(DOCKERFILE_TORNADOVM).finalStage().env();
        assertThat(DeployChecks.effectiveConfig("Dockerfile.tornadovm",
                DeployFiles.properties(DeployFiles.read(Deployments.bakedConfig(Deployments.dockerfile(DOCKERFILE_TORNADOVM)))),
                tornadoEnv).getString(StreamFormerConfig.BACKEND)).isEqualTo("tornadovm");
    }
}
