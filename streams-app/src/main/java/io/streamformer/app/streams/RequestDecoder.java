package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.app.inference.InferenceService;
import io.streamformer.app.ops.RequestCounters;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.DeadLetterKind;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.serde.AvroDecodingException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * The one place where input is judged: decodes the raw bytes into an {@link InferenceRequest}, resolves its
 * generation settings and checks it against the model and the limits. A good request goes on to the
 * inference processor; anything else goes to the dead-letter topic with its original bytes, the reason and
 * where it was read, and processing carries on with the next record.
 *
 * <p>A request carries its source as {@code input_ids} or as {@code text}, exactly one of the two. Text is
 * tokenized here with the model's tokenizer, and the request goes on with those ids in {@code input_ids} and
 * without its text: that is what the decode-state store keeps and what resuming needs.
 *
 * <p>Its two children have different types (requests, dead letters), hence {@code Object} outputs.
 */
public final class RequestDecoder implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDecoder.class);

    private final Deserializer<InferenceRequest> requests;
    private final InferenceService inference;
    private final RequestParameters parameters;
    private final int maxRequestBytes;
    private final DeadLetterRecords deadLetters;
    private final DeadLetterFailures deadLetterFailures;
    private final String acceptedChild;
    private final String deadLetterChild;
    private ProcessorContext<Object, Object> context;

    /**
     * @param maxRequestBytes larger record values are dead-lettered without being decoded
     * @param deadLetters     builds dead letters that fit the dead-letter topic
     * @param deadLetterFailures records whose dead letter was refused before: written without original bytes
     */
    public RequestDecoder(Deserializer<InferenceRequest> requests, InferenceService inference,
                          RequestParameters parameters, int maxRequestBytes, DeadLetterRecords deadLetters,
                          DeadLetterFailures deadLetterFailures, String acceptedChild, String deadLetterChild) {
        this.requests = requests;
        this.inference = inference;
        this.parameters = parameters;
        this.maxRequestBytes = maxRequestBytes;
        this.deadLetters = deadLetters;
        this.deadLetterFailures = deadLetterFailures;
        this.acceptedChild = acceptedChild;
        this.deadLetterChild = deadLetterChild;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow(() -> new IllegalStateException(
                "RequestDecoder must read from a source topic (dead letters name the record's topic/partition/offset)"));
        if (record.value() == null) {
            reject(record, source, DeadLetterKind.UNDECODABLE, "the record has no value (null)", null);
            return;
        }
        if (record.value().length > maxRequestBytes) {
            // not decoded: a huge array or string would take memory (and time) before any check could refuse it
            reject(record, source, DeadLetterKind.INVALID_INPUT, "the record's value is " + record.value().length
                    + " bytes, more than the " + maxRequestBytes + " a request may have (streamformer.request.max.bytes)",
                    null);
            return;
        }
        InferenceRequest request;
        try {
            request = requests.deserialize(source.topic(), record.headers(), record.value());
        } catch (AvroDecodingException e) {
            reject(record, source, e.kind() == AvroDecodingException.Kind.UNKNOWN_SCHEMA
                    ? DeadLetterKind.UNKNOWN_SCHEMA : DeadLetterKind.UNDECODABLE, e.getMessage(), null, e);
            return;
        } catch (RuntimeException e) {
            reject(record, source, DeadLetterKind.UNDECODABLE, "cannot decode an InferenceRequest: " + e, null, e);
            return;
        }
        String id = request.getRequestId();
        if (id == null || id.isBlank()) {
            reject(record, source, DeadLetterKind.INVALID_INPUT, "request_id is empty", request);
            return;
        }
        if (request.getText() != null) {
            Tokenized t = tokenize(request);
            if (t.problem() != null) {
                reject(record, source, DeadLetterKind.INVALID_INPUT, t.problem(), request);
                return;
            }
            request = t.request();
        } else if (request.getInputIds().isEmpty()) {
            reject(record, source, DeadLetterKind.INVALID_INPUT, "the request has neither text nor input_ids"
                    + " (input_ids is empty)", request);
            return;
        }
        int[] inputIds = DecodeStates.toArray(request.getInputIds());
        GenerationParams params = parameters.resolve(request);
        String problem = inference.validate(inputIds, params);
        if (problem != null) {
            // with the model's own (valid) settings the input alone decides: was it the input or the parameters?
            boolean inputIsFine = inference.validate(inputIds, parameters.modelDefaults()) == null;
            reject(record, source, inputIsFine ? DeadLetterKind.INVALID_PARAMETERS : DeadLetterKind.INVALID_INPUT,
                    problem, request);
            return;
        }
        context.forward(new Record<>(id, new AcceptedRequest(request, params), record.timestamp(), record.headers()),
                acceptedChild);
    }

    /** A text request with its text's ids as input_ids and no text; or why there is none. */
    private record Tokenized(InferenceRequest request, String problem) {
        static Tokenized rejected(String problem) {
            return new Tokenized(null, problem);
        }
    }

    private Tokenized tokenize(InferenceRequest request) {
        if (!request.getInputIds().isEmpty()) {
            return Tokenized.rejected("the request has both text and input_ids: give one of them");
        }
        MarianTokenizer tokenizer = inference.tokenizer();
        if (tokenizer == null) {
            return Tokenized.rejected("the request has text, but model " + inference.modelId() + " has no tokenizer ("
                    + String.join(", ", MarianTokenizer.REQUIRED_FILES) + " in its directory): send input_ids");
        }
        int[] ids;
        try {
            ids = tokenizer.encode(request.getText());
        } catch (RuntimeException e) {
            return Tokenized.rejected("the text cannot be tokenized: " + e.getMessage());
        }
        if (ids.length <= 1) { // </s> alone
            return Tokenized.rejected("the text has nothing to translate (it is empty or only spaces)");
        }
        int limit = inference.limits().maxSourceLength();
        if (ids.length > limit) {
            return Tokenized.rejected("the text is " + ids.length + " tokens long with the model's tokenizer, more"
                    + " than the limit of " + limit + " input tokens (split it into sentences)");
        }
        return new Tokenized(InferenceRequest.newBuilder(request).setInputIds(DecodeStates.ints(ids)).setText(null)
                .build(), null);
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata source, DeadLetterKind kind, String reason,
                        InferenceRequest request) {
        reject(record, source, kind, reason, request, null);
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata source, DeadLetterKind kind, String reason,
                        InferenceRequest request, Throwable cause) {
        String requestId = request != null ? request.getRequestId() : null;
        String earlierFailure = deadLetterFailures.failure(source.topic(), source.partition(), source.offset());
        Record<byte[], DeadLetter> letter = deadLetters.build(record, source,
                new DeadLetterRecords.Rejection(kind, reason, requestId, cause, earlierFailure), inference.modelId(),
                Instant.now());
        LOG.warn("Dead letter from {}-{}@{}{}: {} ({}{})", source.topic(), source.partition(), source.offset(),
                requestId != null ? " (request " + abbreviate(requestId) + ")" : "", abbreviate(reason), kind,
                letter.value().getOriginalTruncated() ? ", original bytes truncated to fit the dead-letter topic" : "");
        RequestCounters.deadLetters(inference.registry(), kind).increment();
        if (letter.value().getOriginalTruncated()) {
            RequestCounters.deadLettersTruncated(inference.registry()).increment();
        }
        context.forward(letter, deadLetterChild);
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 280) + "... (" + s.length() + " chars)";
    }
}
