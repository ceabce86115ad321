package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.ModelText;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.accelerator.tokenizer.bpe.HfTokenizer;
import io.streamformer.accelerator.tokenizer.bpe.InvalidTokenizerException;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplate;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Seeded corruptions of every file a model directory holds (safetensors header and data, config.json,
 * generation_config.json, Marian's tokenizer files, tokenizer.json, tokenizer_config.json and its chat template),
 * each loaded the way the CLI and the app load it. Every case either loads (a corruption that leaves the file
 * valid, e.g. a flipped bit inside the weights) or is refused with the loader's refusal type and a one-line
 * message naming the file; never another exception, an OutOfMemoryError or a hang. Structural corruptions (a
 * truncated file, a broken header) must be refused. Prints the counts per file kind.
 */
class ModelLoaderFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HANG = Duration.ofSeconds(20);
    private static final Map<String, int[]> COUNTS = new TreeMap<>(); // kind -> tried, refused, loaded

    @TempDir
    Path tmp;

    enum Expect { REFUSED, EITHER }

    @AfterAll
    static void report() {
        int tried = 0;
        for (Map.Entry<String, int[]> e : COUNTS.entrySet()) {
            int[] c = e.getValue();
            tried += c[0];
            System.out.printf("model loader fuzz: %-24s %4d tried, %4d refused, %4d loaded (still valid)%n",
                    e.getKey(), c[0], c[1], c[2]);
        }
        System.out.printf("model loader fuzz: %d cases, 0 crashes%n", tried);
    }

    private static Path fixture(String path) {
        try {
            return Path.of(ModelLoaderFuzzTest.class.getResource("/" + path).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of a fixture directory; .gz files unpacked. */
    private Path copy(String path, String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> files = Files.list(fixture(path))) {
            for (Path f : files.toList()) {
                String file = f.getFileName().toString();
                if (file.endsWith(".jsonl.gz") || file.endsWith(".json.gz") && !file.startsWith("tokenizer")) {
                    continue;
                }
                if (file.endsWith(".gz")) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                        Files.write(dir.resolve(file.substring(0, file.length() - 3)), in.readAllBytes());
                    }
                } else if (!file.endsWith(".jsonl")) {
                    Files.copy(f, dir.resolve(file));
                }
            }
        }
        return dir;
    }

    private static void loadModel(Path dir) {
        try (Engine engine = Engine.load(dir, new JvmBackend(1), ProgressListener.NONE)) {
            ModelText.load(engine);
        }
    }

    private static void loadHfTokenizer(Path dir) {
        HfTokenizer.load(dir);
        ChatTemplate.load(dir);
    }

    /** Loads {@code dir} after {@code corrupt} wrote one damaged file; checks how it ended. */
    private void check(String kind, String file, Path dir, Consumer<Path> load, Expect expect, String what) {
        int[] c = COUNTS.computeIfAbsent(kind, k -> new int[3]);
        c[0]++;
        Throwable thrown = assertTimeoutPreemptively(HANG, () -> {
            try {
                load.accept(dir);
                return null;
            } catch (ModelFormatException | InvalidTokenizerException | ChatTemplateException e) {
                return e;
            } catch (Throwable t) {
                throw new AssertionError(what + ": " + t.getClass().getName() + " instead of a refusal", t);
            }
        }, what + ": no answer within " + HANG);
        if (thrown == null) {
            assertThat(expect).as(what + ": loaded although the file's structure is broken").isEqualTo(Expect.EITHER);
            c[2]++;
            return;
        }
        c[1]++;
        String message = thrown.getMessage();
        assertThat(message).as(what + ": the refusal").isNotBlank().doesNotContain("\n").contains(file);
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] truncate(byte[] b, int length) {
        return java.util.Arrays.copyOf(b, length);
    }

    private static byte[] flip(byte[] b, int bit) {
        byte[] out = b.clone();
        out[bit / 8] ^= (byte) (1 << (bit % 8));
        return out;
    }

    // ---- safetensors ----

    private static long headerLength(byte[] st) {
        return ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] withHeader(byte[] st, String header, Long declaredLength) {
        long oldLength = headerLength(st);
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + (int) (st.length - 8 - oldLength)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(declaredLength != null ? declaredLength : h.length).put(h).put(st, (int) (8 + oldLength),
                (int) (st.length - 8 - oldLength));
        return out.array();
    }

    private static ObjectNode header(byte[] st) {
        try {
            return (ObjectNode) JSON.readTree(new String(st, 8, (int) headerLength(st), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> tensorNames(ObjectNode header) {
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        return names;
    }

    @Test
    void damagedSafetensorsAreRefusedNamingTheFile() throws IOException {
        for (String model : List.of("marian", "gpt2", "llama")) {
            Random rnd = new Random(model.hashCode());
            Path dir = copy("fixtures/hf/" + model, model);
            Path st = dir.resolve("model.safetensors");
            byte[] good = read(st);
            long hl = headerLength(good);
            List<String> names = tensorNames(header(good));
            List<Map.Entry<String, byte[]>> cases = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int at = i < 4 ? rnd.nextInt(8 + (int) hl) : 8 + (int) hl + rnd.nextInt(good.length - 8 - (int) hl);
                cases.add(Map.entry("truncated at " + at, truncate(good, at)));
            }
            for (long declared : new long[] {0, 1, hl - 1, hl + 1, good.length, 1L << 40, Long.MAX_VALUE, -1, -8}) {
                byte[] b = good.clone();
                ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(declared);
                cases.add(Map.entry("header length " + declared, b));
            }
            for (int i = 0; i < 12; i++) {
                cases.add(Map.entry("bit flipped in the header length", flip(good, rnd.nextInt(64))));
            }
            cases.add(Map.entry("garbage header", withHeader(good, "x".repeat((int) hl), null)));
            cases.add(Map.entry("header not an object", withHeader(good, "[1,2,3]", null)));
            cases.add(Map.entry("header cut mid-JSON", withHeader(good,
                    new String(good, 8, (int) hl / 2, StandardCharsets.UTF_8), null)));
            cases.add(Map.entry("duplicate tensor key", withHeader(good, "{\"" + names.get(0) + "\":"
                    + header(good).get(names.get(0)) + "," + header(good).toString().substring(1), null)));
            for (int i = 0; i < 10; i++) {
                String name = names.get(rnd.nextInt(names.size()));
                ObjectNode h = header(good);
                ObjectNode t = (ObjectNode) h.get(name);
                long begin = t.get("data_offsets").get(0).asLong();
                long end = t.get("data_offsets").get(1).asLong();
                String what;
                switch (i) {
                    case 0 -> { t.put("dtype", "F64"); what = "dtype F64"; }
                    case 1 -> { t.put("dtype", "Q9"); what = "unknown dtype"; }
                    case 2 -> { t.putArray("shape").add(-4).add(8); what = "negative dimension"; }
                    case 3 -> { t.putArray("shape").add(1L << 31).add(1L << 31).add(1L << 31); what = "shape overflowing"; }
                    case 4 -> { t.putArray("data_offsets").add(end).add(begin); what = "offsets reversed"; }
                    case 5 -> { t.putArray("data_offsets").add(begin).add(1L << 62); what = "offset past the file"; }
                    case 6 -> { t.putArray("data_offsets").add(begin + 2).add(end + 2); what = "offsets shifted"; }
                    case 7 -> { h.remove(name); what = "tensor removed"; }
                    case 8 -> { t.put("shape", "big"); what = "shape not an array"; }
                    default -> { t.remove("data_offsets"); what = "no data_offsets"; }
                }
                cases.add(Map.entry(what + " (" + name + ")", withHeader(good, h.toString(), null)));
            }
            for (int i = 0; i < 40; i++) {
                int bit = 64 + rnd.nextInt(8 * (int) hl);
                cases.add(Map.entry("bit " + bit + " flipped in the JSON header", flip(good, bit)));
            }
            for (int i = 0; i < 6; i++) {
                int bit = 8 * (8 + (int) hl) + rnd.nextInt(8 * (good.length - 8 - (int) hl));
                cases.add(Map.entry("bit " + bit + " flipped in the weights", flip(good, bit)));
            }
            for (Map.Entry<String, byte[]> c : cases) {
                write(st, c.getValue());
                // a flipped bit may leave valid JSON or weights, a removed tensor may be optional (a tied head)
                String what = c.getKey();
                Expect expect = what.contains("flipped in the JSON") || what.contains("in the weights")
                        || what.startsWith("tensor removed") ? Expect.EITHER : Expect.REFUSED;
                check("safetensors", "model.safetensors", dir, ModelLoaderFuzzTest::loadModel, expect,
                        model + "/model.safetensors " + what);
            }
            write(st, good);
            check("safetensors", "model.safetensors", dir, ModelLoaderFuzzTest::loadModel, Expect.EITHER,
                    model + " restored");
            assertThat(COUNTS.get("safetensors")[2]).as("the restored fixture loads").isPositive();
        }
    }

    // ---- JSON files ----

    private static final List<JsonNode> WRONG_VALUES = List.of(JSON.valueToTree("seven"), JSON.valueToTree(-1),
            JSON.valueToTree(0), JSON.valueToTree(1L << 31), JSON.valueToTree(1e300), JSON.nullNode(),
            JSON.createArrayNode(), JSON.createObjectNode(), JSON.valueToTree(true), JSON.valueToTree(2.5));

    /** Truncations, bit flips, garbage, and every top-level field set to each wrong value or removed. */
    private void fuzzJson(String kind, String model, Path dir, String file, Consumer<Path> load, int seed)
            throws IOException {
        Path p = dir.resolve(file);
        byte[] good = read(p);
        Random rnd = new Random(seed);
        for (int i = 0; i < 6; i++) {
            int at = 1 + rnd.nextInt(good.length - 2);
            write(p, truncate(good, at));
            check(kind, file, dir, load, Expect.REFUSED, model + "/" + file + " truncated at " + at);
        }
        for (int i = 0; i < 10; i++) {
            int bit = rnd.nextInt(8 * good.length);
            write(p, flip(good, bit));
            check(kind, file, dir, load, Expect.EITHER, model + "/" + file + " bit " + bit + " flipped");
        }
        write(p, "{ not json".getBytes(StandardCharsets.UTF_8));
        check(kind, file, dir, load, Expect.REFUSED, model + "/" + file + " garbage");
        write(p, "[]".getBytes(StandardCharsets.UTF_8));
        check(kind, file, dir, load, Expect.REFUSED, model + "/" + file + " an array");
        ObjectNode root = (ObjectNode) JSON.readTree(good);
        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        java.util.Collections.shuffle(fields, rnd);
        for (String field : fields.subList(0, Math.min(fields.size(), 24))) { // vocab.json: 24 of its entries
            List<JsonNode> values = new ArrayList<>(WRONG_VALUES);
            values.add(null); // removed
            for (JsonNode v : values) {
                ObjectNode edited = root.deepCopy();
                if (v == null) {
                    edited.remove(field);
                } else {
                    edited.set(field, v);
                }
                write(p, JSON.writeValueAsBytes(edited));
                check(kind, file, dir, load, Expect.EITHER,
                        model + "/" + file + " " + field + " = " + (v == null ? "(removed)" : v));
            }
        }
        write(p, good);
    }

    @Test
    void damagedConfigAndGenerationConfigAreRefusedNamingTheFile() throws IOException {
        for (String model : List.of("marian", "gpt2", "llama")) {
            Path dir = copy("fixtures/hf/" + model, model);
            fuzzJson("config.json", model, dir, "config.json", ModelLoaderFuzzTest::loadModel, model.hashCode());
            fuzzJson("generation_config.json", model, dir, "generation_config.json",
                    ModelLoaderFuzzTest::loadModel, model.hashCode() + 1);
        }
    }

    @Test
    void damagedTokenizerFilesAreRefusedNamingTheFile() throws IOException {
        Path marian = copy("tokenizer/en-es", "marian-tokenizer");
        Consumer<Path> loadMarian = MarianTokenizer::load;
        fuzzJson("marian vocab.json", "en-es", marian, "vocab.json", loadMarian, 11);
        fuzzJson("marian tokenizer_config", "en-es", marian, "tokenizer_config.json", loadMarian, 12);
        for (String spm : List.of("source.spm", "target.spm")) {
            Path p = marian.resolve(spm);
            byte[] good = read(p);
            Random rnd = new Random(spm.hashCode());
            for (int i = 0; i < 8; i++) {
                int at = rnd.nextInt(good.length);
                write(p, truncate(good, at));
                check("marian " + spm, spm, marian, loadMarian, Expect.EITHER, "en-es/" + spm + " truncated at " + at);
            }
            for (int i = 0; i < 12; i++) {
                int bit = rnd.nextInt(8 * Math.min(good.length, 4096));
                write(p, flip(good, bit));
                check("marian " + spm, spm, marian, loadMarian, Expect.EITHER, "en-es/" + spm + " bit " + bit + " flipped");
            }
            write(p, good);
        }

        Path hf = copy("tokenizer/hf/smollm-style", "hf-tokenizer");
        Consumer<Path> loadHf = ModelLoaderFuzzTest::loadHfTokenizer;
        fuzzJson("tokenizer_config.json", "smollm-style", hf, "tokenizer_config.json", loadHf, 21);
        Path tj = hf.resolve("tokenizer.json");
        byte[] good = read(tj);
        Random rnd = new Random(22);
        for (int i = 0; i < 6; i++) {
            int at = 1 + rnd.nextInt(good.length - 2);
            write(tj, truncate(good, at));
            check("tokenizer.json", "tokenizer.json", hf, loadHf, Expect.REFUSED, "tokenizer.json truncated at " + at);
        }
        JsonNode root = JSON.readTree(good);
        List<String> paths = new ArrayList<>();
        collectPaths(root, "", 2, paths);
        for (String path : paths) {
            for (JsonNode v : List.of(JSON.valueToTree("seven"), JSON.valueToTree(-1), JSON.nullNode(),
                    JSON.createArrayNode(), JSON.createObjectNode())) {
                JsonNode edited = root.deepCopy();
                set(edited, path, v);
                write(tj, JSON.writeValueAsBytes(edited));
                check("tokenizer.json", "tokenizer.json", hf, loadHf, Expect.EITHER, "tokenizer.json " + path + " = " + v);
            }
        }
        write(tj, good);
        ObjectNode config = (ObjectNode) JSON.readTree(read(hf.resolve("tokenizer_config.json")));
        for (String template : List.of("{% for m in messages %}", "{{ messages[0]['content'] | nosuchfilter }}",
                "{% if %}", "{{ raise_exception('no') }}")) {
            ObjectNode edited = config.deepCopy();
            edited.put("chat_template", template);
            write(hf.resolve("tokenizer_config.json"), JSON.writeValueAsBytes(edited));
            check("chat template", "tokenizer_config.json", hf, loadHf, Expect.EITHER, "chat_template " + template);
        }
    }

    /** Object member paths ("a/b") down to {@code depth} levels. */
    private static void collectPaths(JsonNode node, String prefix, int depth, List<String> out) {
        if (depth == 0 || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            out.add(path);
            collectPaths(node.get(name), path, depth - 1, out);
        }
    }

    private static void set(JsonNode root, String path, JsonNode value) {
        String[] parts = path.split("/");
        JsonNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.get(parts[i]);
        }
        ((ObjectNode) node).set(parts[parts.length - 1], value);
    }
}
