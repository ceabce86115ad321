package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A quick single-thread throughput check of MarianTokenizer on the reference sentences (not a test: the
 * numbers depend on the machine). Run after {@code mvn test-compile -pl accelerator}:
 * <pre>
 * java -cp accelerator/target/classes:accelerator/target/test-classes:$(jackson jars) \
 *     io.streamformer.accelerator.tokenizer.TokenizerThroughput
 * </pre>
 */
public final class TokenizerThroughput {
    private TokenizerThroughput() {
    }

    public static void main(String[] args) {
        MarianTokenizer tokenizer = MarianTokenizer.load(ReferenceFiles.enEs());
        List<String> texts = ReferenceFiles.rows("en-es/marian-encode.jsonl").stream()
                .map(r -> r.get("text").asText()).limit(2000).toList();   // the corpus sentences
        List<int[]> sequences = ReferenceFiles.rows("en-es/marian-decode.jsonl").stream()
                .map(r -> ReferenceFiles.ints(r.get("ids"))).limit(3000).toList();   // generated-like sequences
        long chars = texts.stream().mapToLong(String::length).sum();
        long tokens = texts.stream().mapToLong(t -> tokenizer.encode(t).length).sum();
        System.out.printf("%d sentences, %.1f characters and %.1f tokens on average%n", texts.size(),
                (double) chars / texts.size(), (double) tokens / texts.size());
        for (int round = 0; round < 10; round++) {
            long sink = 0;
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 10; rep++) {
                for (String t : texts) {
                    sink += tokenizer.encode(t).length;
                }
            }
            long t1 = System.nanoTime();
            for (int rep = 0; rep < 10; rep++) {
                for (int[] ids : sequences) {
                    sink += tokenizer.decode(ids).length();
                }
            }
            long t2 = System.nanoTime();
            double encodeMicros = (t1 - t0) / 1e3 / (10.0 * texts.size());
            double decodeMicros = (t2 - t1) / 1e3 / (10.0 * sequences.size());
            System.out.printf("round %d: encode %.2f us/sentence (%.0f sentences/s), decode %.2f us/sequence "
                    + "(%.0f/s) [%d]%n", round + 1, encodeMicros, 1e6 / encodeMicros, decodeMicros,
                    1e6 / decodeMicros, sink % 10);
        }
    }
}
