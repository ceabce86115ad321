// Sends inference requests to a running StreamFormer deployment and prints the results as they arrive, with the
// app's own client (io.streamformer.app.client.RequestClient: Avro single-object encoding, keyed by request_id;
// a read_committed consumer, so only results the app has committed are seen).
//
//   ./streamformer --help > /dev/null     # builds streams-app/target/streamformer.jar if needed (JDK 21+)
//   java -cp streams-app/target/streamformer.jar deploy/examples/Requests.java \
//       --bootstrap-servers localhost:9092 < deploy/examples/requests.jsonl
//   # a model with a tokenizer (en-es, an opus-mt checkpoint) takes text: JSON with "text", or plain lines
//   java -cp streams-app/target/streamformer.jar deploy/examples/Requests.java \
//       --bootstrap-servers localhost:9092 < deploy/examples/sentences.jsonl
//   echo "Where is the train station?" | java -cp streams-app/target/streamformer.jar \
//       deploy/examples/Requests.java --bootstrap-servers localhost:9092 --text true
//
// Input, one JSON object per line: {"request_id": "r1", "input_ids": [15, 27, 33, 0], "max_new_tokens": 16,
// "num_beams": 1, "do_sample": false, "temperature": 1.0, "top_k": 50, "top_p": 1.0, "seed": 7}; request_id is
// required, and either input_ids (source token ids, ending with the model's EOS id) or "text": "Some English."
// (tokenized by the app; the model must have a tokenizer). With --text true every non-blank line is a sentence
// to translate, sent as a text request with the id text-N (N: the line number) and the model's default settings.
// Output, one JSON object per line: each result ("text" is the output as text when the model has a tokenizer;
// latency_ms: the app's time from accepting the request to its last token; round_trip_ms: this client's, from the
// send to the committed result read), or each dead letter of a request that was sent.
// Options: --bootstrap-servers, --input-topic, --output-topic, --dlq-topic (the app's defaults), --timeout SECONDS,
// --text true|false, --schema-registry-url URL (for streamformer.serde.format=confluent).

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.app.client.RequestClient;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Requests {
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("--bootstrap-servers", "localhost:9092",
                "--input-topic", "inference-requests", "--output-topic", "inference-results",
                "--dlq-topic", "inference-dead-letters", "--timeout", "120", "--text", "false"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!opt.containsKey(args[i]) && !args[i].equals("--schema-registry-url")) {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
            opt.put(args[i], args[i + 1]);
        }
        StreamFormerSerdes serdes = opt.containsKey("--schema-registry-url")
                ? StreamFormerSerdes.registry(opt.get("--schema-registry-url")) : StreamFormerSerdes.singleObject();
        boolean plainText = Boolean.parseBoolean(opt.get("--text"));
        List<InferenceRequest> requests = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            if (!line.isBlank()) {
                requests.add(plainText ? InferenceRequest.newBuilder().setRequestId("text-" + lineNumber)
                        .setText(line.strip()).build() : request(line));
            }
        }
        Map<String, Long> waiting = new HashMap<>(); // request id -> when it was sent (System.nanoTime)
        try (RequestClient client = new RequestClient(opt.get("--bootstrap-servers"), opt.get("--input-topic"),
                opt.get("--output-topic"), opt.get("--dlq-topic"), serdes)) {
            for (InferenceRequest r : requests) {
                waiting.put(r.getRequestId(), System.nanoTime());
                client.send(r);
            }
            client.flush();
            System.err.printf("sent %d requests to %s; waiting for results...%n", requests.size(),
                    opt.get("--input-topic"));
            long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(opt.get("--timeout"))).toNanos();
            while (!waiting.isEmpty() && System.nanoTime() < deadline) {
                RequestClient.Received got = client.poll(Duration.ofMillis(500));
                for (InferenceResult r : got.results()) {
                    Long sentAt = waiting.remove(r.getRequestId());
                    if (sentAt != null) {
                        System.out.println(json(r, (System.nanoTime() - sentAt) / 1_000_000));
                    }
                }
                for (DeadLetter d : got.deadLetters()) {
                    if (d.getRequestId() != null && waiting.remove(d.getRequestId()) != null) {
                        System.out.println(json(d));
                    }
                }
            }
        }
        if (!waiting.isEmpty()) {
            System.err.println("no answer within the timeout for: " + waiting.keySet());
            System.exit(1);
        }
    }

    /** One input line as an InferenceRequest. */
    public static InferenceRequest request(String line) throws Exception {
        JsonNode n = JSON.readTree(line);
        List<Integer> ids = new ArrayList<>();
        n.path("input_ids").forEach(id -> ids.add(id.asInt()));
        InferenceRequest.Builder b = InferenceRequest.newBuilder()
                .setRequestId(n.path("request_id").asText())
                .setInputIds(ids);
        if (n.has("text")) b.setText(n.get("text").asText());
        if (n.has("max_new_tokens")) b.setMaxNewTokens(n.get("max_new_tokens").asInt());
        if (n.has("num_beams")) b.setNumBeams(n.get("num_beams").asInt());
        if (n.has("do_sample")) b.setDoSample(n.get("do_sample").asBoolean());
        if (n.has("temperature")) b.setTemperature(n.get("temperature").asDouble());
        if (n.has("top_k")) b.setTopK(n.get("top_k").asInt());
        if (n.has("top_p")) b.setTopP(n.get("top_p").asDouble());
        if (n.has("seed")) b.setSeed(n.get("seed").asLong());
        return b.build();
    }

    /** A result as JSON; latency_ms is the app's share (accepted to finished), round_trip_ms this client's. */
    static String json(InferenceResult r, long roundTripMs) {
        ObjectNode o = JSON.createObjectNode();
        o.put("request_id", r.getRequestId());
        o.put("finish_reason", r.getFinishReason().name());
        if (r.getText() != null) o.put("text", r.getText());
        o.set("sequence", JSON.valueToTree(r.getSequence()));
        o.put("generated_tokens", r.getGeneratedTokens());
        o.put("score", r.getScore());
        o.put("model_id", r.getModelId());
        o.put("latency_ms", r.getFinishedAt().toEpochMilli() - r.getEnqueuedAt().toEpochMilli());
        o.put("round_trip_ms", roundTripMs);
        o.put("resumed_from_step", r.getResumedFromStep());
        if (r.getError() != null) o.put("error", r.getError());
        return o.toString();
    }

    static String json(DeadLetter d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("request_id", d.getRequestId());
        o.put("dead_letter", d.getKind().name());
        o.put("reason", d.getReason());
        o.put("source", d.getSourceTopic() + "-" + d.getSourcePartition() + "@" + d.getSourceOffset());
        return o.toString();
    }
}
