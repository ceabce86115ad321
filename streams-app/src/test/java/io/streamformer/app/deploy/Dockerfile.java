package io.streamformer.app.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Dockerfile, parsed just enough for the deploy checks: stages, their instructions, ARG defaults. */
record Dockerfile(Map<String, String> globalArgs, List<Stage> stages) {

    record Instruction(String keyword, String arguments) {
        /** The arguments of an exec-form instruction (["a", "b"]). */
        List<String> execForm() {
            try {
                return DeployFiles.JSON.readValue(arguments, new TypeReference<List<String>>() {
                });
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(keyword + " is not in exec form (a JSON array): " + arguments);
            }
        }
    }

    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Optional<Instruction> last(String keyword) {
            List<Instruction> all = all(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
        }

        /** ENV NAME=value ... of this stage. */
        Map<String, String> env() {
            Map<String, String> env = new HashMap<>();
            Pattern p = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");
            for (Instruction i : all("ENV")) {
                Matcher m = p.matcher(i.arguments());
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            }
            return env;
        }
    }

    static Dockerfile parse(String text) {
        // join continuation lines, drop comments and the parser directive
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.stripTrailing();
            if (line.stripLeading().startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            if (!current.toString().isBlank()) {
                logical.add(current.toString().strip());
            }
            current.setLength(0);
        }
        Map<String, String> globalArgs = new HashMap<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> instructions = null;
        for (String line : logical) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase(Locale.ROOT);
            String args = parts.length > 1 ? parts[1] : "";
            if (keyword.equals("FROM")) {
                String[] from = args.split("\\s+");
                String image = resolve(from[0], globalArgs);
                String name = from.length >= 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
                instructions = new ArrayList<>();
                stages.add(new Stage(image, name, instructions));
            } else if (instructions == null) {
                if (keyword.equals("ARG")) {
                    String[] kv = args.split("=", 2);
                    globalArgs.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            } else {
                instructions.add(new Instruction(keyword, args));
            }
        }
        return new Dockerfile(globalArgs, stages);
    }

    private static String resolve(String s, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?").matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst();
    }

    /** Sources and destination of a COPY: flags (--from=...) left out, sources first, destination last. */
    static List<String> copyPaths(Instruction copy) {
        return List.of(copy.arguments().split("\\s+")).stream().filter(s -> !s.startsWith("--")).toList();
    }

    static Optional<String> copyFrom(Instruction copy) {
        return List.of(copy.arguments().split("\\s+")).stream().filter(s -> s.startsWith("--from="))
                .map(s -> s.substring("--from=".length())).findFirst();
    }
}
