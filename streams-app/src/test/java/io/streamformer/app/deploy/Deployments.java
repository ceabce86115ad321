package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.deploy.DeployChecks.Endpoint;
import io.streamformer.app.deploy.DeployChecks.Kind;
import io.streamformer.app.ops.OpsServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the three deployments (the image, docker compose, Kubernetes) say, read out of their files: the
 * configuration each app instance gets (file and environment), and the HTTP endpoints they point at.
 */
final class Deployments {
    static final String DOCKERFILE = "deploy/Dockerfile";
    static final String DOCKERFILE_TORNADOVM = "deploy/Dockerfile.tornadovm";
    static final String COMPOSE_FILE = "deploy/docker-compose.yml";
    /** The image whose services are app instances in docker compose. */
    static final String APP_IMAGE = "streamformer";
    static final String POD_NAME = "streamformer-0";

    private Deployments() {
    }

    // ---------------------------------------------------------------- the image

    static Dockerfile dockerfile(String relative) {
        return Dockerfile.parse(DeployFiles.read(DeployFiles.path(relative)));
    }

    /** The arguments the image runs with unless told otherwise (CMD). */
    static List<String> imageCommand() {
        return dockerfile(DOCKERFILE).finalStage().last("CMD").orElseThrow().execForm();
    }

    /** An image's ENTRYPOINT as one string (the -XX: flags of its java command are in it). */
    static String entrypointText(String dockerfile) {
        return String.join(" ", dockerfile(dockerfile).finalStage().last("ENTRYPOINT").orElseThrow().execForm());
    }

    /** The arguments in {@code node.field} (compose's command, a container's args), or the image's CMD. */
    static List<String> commandOrImage(JsonNode node, String field) {
        if (!node.has(field)) {
            return imageCommand();
        }
        List<String> command = new ArrayList<>();
        node.path(field).forEach(n -> command.add(n.asText()));
        return command;
    }

    /** The --config FILE of a command line, or null. */
    static String configPath(List<String> command) {
        int i = command.indexOf("--config");
        return i >= 0 && i + 1 < command.size() ? command.get(i + 1) : null;
    }

    /** The configuration file baked into the image: the repository file that is COPYed to CMD's --config. */
    static Path bakedConfig(Dockerfile df) {
        String target = configPath(df.finalStage().last("CMD").orElseThrow().execForm());
        for (Dockerfile.Instruction copy : df.finalStage().all("COPY")) {
            List<String> paths = Dockerfile.copyPaths(copy);
            if (Dockerfile.copyFrom(copy).isEmpty() && paths.get(paths.size() - 1).equals(target)) {
                return DeployFiles.path(paths.get(0));
            }
        }
        throw new AssertionError("the image's CMD reads " + target + ", which no COPY from the repository writes");
    }

    private static final Pattern URL = Pattern.compile(
            "https?://[^/:\"'\\s]+:(?:\\$\\{([A-Z0-9_]+):-(\\d+)}|(\\d+))(/[^\"'\\s]*)");

    /** A healthcheck command's URL; its port may be ${VARIABLE:-default}, which must be the app's port variable. */
    static Endpoint healthcheckEndpoint(String origin, String command) {
        Matcher m = URL.matcher(command);
        if (!m.find()) {
            throw new AssertionError(origin + ": no http://host:port/path in " + command);
        }
        if (m.group(1) != null && !m.group(1).equals(StreamFormerConfig.environmentVariable(StreamFormerConfig.HTTP_PORT))) {
            throw new AssertionError(origin + ": the port comes from " + m.group(1) + ", but the app reads "
                    + StreamFormerConfig.environmentVariable(StreamFormerConfig.HTTP_PORT));
        }
        int port = Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(3));
        return new Endpoint(origin, Kind.LIVENESS, port, m.group(4));
    }

    static List<Endpoint> imageEndpoints(String relative) {
        return dockerfile(relative).finalStage().last("HEALTHCHECK")
                .map(h -> List.of(healthcheckEndpoint(relative + " HEALTHCHECK", h.arguments())))
                .orElse(List.of());
    }

    // ---------------------------------------------------------------- docker compose

    /** The services that run the app's image. */
    static List<String> composeAppServices(JsonNode compose) {
        List<String> names = new ArrayList<>();
        compose.path("services").properties().forEach(e -> {
            if (e.getValue().path("image").asText().split(":")[0].equals(APP_IMAGE)) {
                names.add(e.getKey());
            }
        });
        return names;
    }

    /** The host file a compose service mounts at {@code target}, or null. */
    static Path composeMountSource(JsonNode service, String target) {
        for (JsonNode v : service.path("volumes")) {
            String source;
            String dest;
            if (v.isTextual()) {
                String[] parts = v.asText().split(":");
                source = parts[0];
                dest = parts.length > 1 ? parts[1] : parts[0];
            } else {
                source = v.path("source").asText();
                dest = v.path("target").asText();
            }
            if (dest.equals(target) && (source.startsWith(".") || source.startsWith("/"))) {
                return DeployFiles.path(COMPOSE_FILE).getParent().resolve(source).normalize();
            }
        }
        return null;
    }

    /** The configuration file a compose app service runs with: its mount at --config, else the image's. */
    static Properties composeProperties(JsonNode service) {
        Path mounted = composeMountSource(service, configPath(commandOrImage(service, "command")));
        Path file = mounted != null ? mounted : bakedConfig(dockerfile(DOCKERFILE));
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("the mounted configuration " + file + " does not exist");
        }
        return DeployFiles.properties(DeployFiles.read(file));
    }

    static Map<String, String> composeEnvironment(JsonNode service) {
        return DeployFiles.environment(service.path("environment"), POD_NAME);
    }

    static List<Endpoint> composeEndpoints(JsonNode compose) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String name : composeAppServices(compose)) {
            JsonNode test = compose.path("services").path(name).path("healthcheck").path("test");
            if (!test.isMissingNode()) {
                endpoints.add(healthcheckEndpoint(COMPOSE_FILE + " " + name + " healthcheck", test.toString()));
            }
        }
        return endpoints;
    }

    // ---------------------------------------------------------------- Kubernetes

    static JsonNode container(JsonNode statefulSet) {
        return statefulSet.at("/spec/template/spec/containers/0");
    }

    static Map<String, String> containerEnvironment(JsonNode statefulSet) {
        return DeployFiles.environment(container(statefulSet).path("env"), POD_NAME);
    }

    /** The ConfigMap entry a StatefulSet mounts at its container's --config path. */
    static Properties k8sProperties(List<JsonNode> docs, JsonNode statefulSet) {
        JsonNode container = container(statefulSet);
        String configFile = configPath(commandOrImage(container, "args"));
        for (JsonNode mount : container.path("volumeMounts")) {
            String dir = mount.path("mountPath").asText();
            String key = mount.has("subPath") ? mount.path("subPath").asText()
                    : configFile.startsWith(dir + "/") ? configFile.substring(dir.length() + 1) : null;
            if (key == null || (mount.has("subPath") && !dir.equals(configFile))) {
                continue;
            }
            for (JsonNode volume : statefulSet.at("/spec/template/spec/volumes")) {
                if (volume.path("name").asText().equals(mount.path("name").asText()) && volume.has("configMap")) {
                    JsonNode cm = DeployFiles.find(docs, "ConfigMap", volume.at("/configMap/name").asText());
                    JsonNode text = cm.path("data").path(key);
                    if (text.isMissingNode()) {
                        throw new AssertionError("ConfigMap " + cm.at("/metadata/name").asText() + " has no " + key);
                    }
                    return DeployFiles.properties(text.asText());
                }
            }
        }
        throw new AssertionError("no ConfigMap is mounted at " + configFile + " (--config)");
    }

    /** The containerPort a probe's or Service's port (a number or a port name) refers to. */
    static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt() || port.asText().matches("\\d+")) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port.asText());
    }

    /** The path Prometheus scrapes when a prometheus.io/scrape annotation names none (its convention, not the app's). */
    static final String PROMETHEUS_DEFAULT_PATH = "/metrics";

    static List<Endpoint> k8sEndpoints(String origin, JsonNode statefulSet, List<JsonNode> services) {
        List<Endpoint> endpoints = new ArrayList<>();
        JsonNode container = container(statefulSet);
        Map<String, Kind> probes = Map.of("startupProbe", Kind.LIVENESS, "livenessProbe", Kind.LIVENESS,
                "readinessProbe", Kind.READINESS);
        probes.forEach((probe, kind) -> {
            JsonNode get = container.path(probe).path("httpGet");
            if (container.has(probe)) {
                if (get.isMissingNode()) {
                    throw new AssertionError(origin + " " + probe + " is not an HTTP probe");
                }
                endpoints.add(new Endpoint(origin + " " + probe, kind, containerPort(container, get.path("port")),
                        get.path("path").asText()));
            }
        });
        List<JsonNode> annotated = new ArrayList<>(services);
        annotated.add(statefulSet.at("/spec/template"));
        for (JsonNode o : annotated) {
            JsonNode a = o.at("/metadata/annotations");
            if (a.path("prometheus.io/scrape").asText().equals("true")) {
                String where = o.has("kind") ? "Service " + o.at("/metadata/name").asText() : origin + " pod template";
                endpoints.add(new Endpoint(where + " prometheus.io annotations", Kind.METRICS,
                        a.path("prometheus.io/port").asInt(),
                        a.path("prometheus.io/path").asText(PROMETHEUS_DEFAULT_PATH)));
            }
        }
        for (JsonNode service : services) {
            for (JsonNode port : service.at("/spec/ports")) {
                endpoints.add(new Endpoint("Service " + service.at("/metadata/name").asText() + " port "
                        + port.path("name").asText() + " (targetPort)", Kind.METRICS,
                        containerPort(container, port.has("targetPort") ? port.get("targetPort") : port.get("port")),
                        OpsServer.METRICS_PATH));
            }
        }
        return endpoints;
    }

    /** Every endpoint that deploy/ points at. */
    static List<Endpoint> allEndpoints() {
        List<Endpoint> all = new ArrayList<>(imageEndpoints(DOCKERFILE));
        all.addAll(imageEndpoints(DOCKERFILE_TORNADOVM));
        all.addAll(composeEndpoints(DeployFiles.compose()));
        List<JsonNode> docs = DeployFiles.k8sBase();
        List<JsonNode> services = DeployFiles.all(docs, "Service");
        for (JsonNode sts : DeployFiles.all(docs, "StatefulSet")) {
            all.addAll(k8sEndpoints("StatefulSet " + sts.at("/metadata/name").asText(), sts, services));
        }
        all.addAll(k8sEndpoints("GPU overlay StatefulSet", DeployFiles.gpuStatefulSet(), List.of()));
        return all;
    }
}
