package io.streamformer.app.streams;

import io.streamformer.accelerator.tokenizer.chat.ChatMessage;
import io.streamformer.accelerator.ModelText;
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
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where input is judged: decodes the raw bytes into an {@link InferenceRequest}, resolves its
 * generation settings and checks it against the model and the limits. A good request goes on to the
 * inference processor; anything else goes to the dead-letter topic with its original bytes, the reason and
 * where it was read, and processing carries on with the next record.
 *
 * <p>A request carries its input as {@code input_ids}, as {@code text} or (for a chat model) as {@code messages},
 * exactly one of them. Text and messages are tokenized here with the model's tokenizer (messages rendered with its
 * chat template first), and the request goes on with those ids in {@code input_ids} and without its text or
 * messages: that is what the decode-state store keeps and what resuming needs.
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
        Tokenized t = tokenize(request);
        if (t.problem() != null) {
            reject(record, source, DeadLetterKind.INVALID_INPUT, t.problem(), request);
            return;
        }
        request = t.request();
        String stopProblem = stopProblem(request);
        if (stopProblem != null) {
            reject(record, source, DeadLetterKind.INVALID_PARAMETERS, stopProblem, request);
            return;
        }
        int[] inputIds = DecodeStates.toArray(request.getInputIds());
        GenerationParams params = parameters.resolve(request);
        if (!request.getStop().isEmpty() && params.numBeams() > 1) {
            reject(record, source, DeadLetterKind.INVALID_PARAMETERS, "stop strings need num_beams = 1 (beam search"
                    + " cannot stop early), and the request decodes with " + params.numBeams() + " beams", request);
            return;
        }
        String problem = inference.validate(inputIds, params);
        if (problem != null) {
            // with the model's own (valid) settings the input alone decides: was it the input or the parameters?
            boolean inputIsFine = inference.validate(inputIds, parameters.modelDefaults(request)) == null;
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

    /** Roles a chat message may have. */
    static final List<String> ROLES = List.of("system", "user", "assistant", "tool");
    static final int MAX_STOP_STRINGS = 16;
    static final int MAX_STOP_LENGTH = 1000;

    /** The request with its input as input_ids alone (text and messages tokenized), or why it has none. */
    private Tokenized tokenize(InferenceRequest request) {
        boolean hasIds = !request.getInputIds().isEmpty();
        boolean hasText = request.getText() != null;
        boolean hasMessages = !request.getMessages().isEmpty();
        int given = (hasIds ? 1 : 0) + (hasText ? 1 : 0) + (hasMessages ? 1 : 0);
        if (given == 0) {
            return Tokenized.rejected("the request has no input: give input_ids, text or messages"
                    + " (input_ids is empty)");
        }
        if (given > 1) {
            List<String> inputs = new ArrayList<>();
            if (hasIds) {
                inputs.add("input_ids");
            }
            if (hasText) {
                inputs.add("text");
            }
            if (hasMessages) {
                inputs.add("messages");
            }
            return Tokenized.rejected("the request has " + String.join(" and ", inputs) + ": give one of them");
        }
        if (hasIds) {
            return new Tokenized(request, null);
        }
        ModelText text = inference.text();
        if (text == null) {
            return Tokenized.rejected("the request has " + (hasText ? "text" : "messages") + ", but model "
                    + inference.modelId() + " has no tokenizer (" + (inference.encoderDecoder()
                    ? String.join(", ", MarianTokenizer.REQUIRED_FILES) : "tokenizer.json")
                    + " in its directory): send input_ids");
        }
        int[] ids;
        if (hasText) {
            try {
                ids = text.encode(request.getText());
            } catch (RuntimeException e) {
                return Tokenized.rejected("the text cannot be tokenized: " + e.getMessage());
            }
            if (inference.encoderDecoder() ? ids.length <= 1 : ids.length == 0) { // </s> alone
                return Tokenized.rejected("the text has nothing to " + (inference.encoderDecoder() ? "translate"
                        : "complete") + " (it is empty or only spaces)");
            }
        } else {
            if (inference.encoderDecoder()) {
                return Tokenized.rejected("the request has messages, but model " + inference.modelId()
                        + " is a translation model: send text or input_ids");
            }
            List<ChatMessage> messages = new ArrayList<>();
            for (int i = 0; i < request.getMessages().size(); i++) {
                var m = request.getMessages().get(i);
                if (!ROLES.contains(m.getRole())) {
                    return Tokenized.rejected("messages[" + i + "].role \"" + abbreviate(m.getRole())
                            + "\" is not one of " + String.join(", ", ROLES));
                }
                messages.add(new ChatMessage(m.getRole(), m.getContent()));
            }
            if (!text.hasChatTemplate()) {
                return Tokenized.rejected("the request has messages, but model " + inference.modelId()
                        + " has no chat template (chat_template in tokenizer_config.json): send text or input_ids");
            }
            try {
                ids = text.encodeChat(messages);
            } catch (RuntimeException e) {
                return Tokenized.rejected("the chat template refused the messages: " + e.getMessage());
            }
        }
        int limit = inference.limits().maxSourceLength();
        if (ids.length > limit) {
            return Tokenized.rejected("the " + (hasText ? "text" : "conversation") + " is " + ids.length
                    + " tokens long with the model's tokenizer, more than the limit of " + limit + " input tokens"
                    + (inference.encoderDecoder() ? " (split it into sentences)" : ""));
        }
        return new Tokenized(InferenceRequest.newBuilder(request).setInputIds(DecodeStates.ints(ids)).setText(null)
                .setMessages(List.of()).build(), null);
    }

    /** Why the request's stop strings cannot be served, or null. */
    private String stopProblem(InferenceRequest request) {
        List<String> stop = request.getStop();
        if (stop.isEmpty()) {
            return null;
        }
        if (inference.text() == null) {
            return "stop strings need the model's tokenizer, and model " + inference.modelId() + " has none";
        }
        if (stop.size() > MAX_STOP_STRINGS) {
            return "the request has " + stop.size() + " stop strings, more than " + MAX_STOP_STRINGS;
        }
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) {
                return "stop[" + i + "] is empty";
            }
            if (stop.get(i).length() > MAX_STOP_LENGTH) {
                return "stop[" + i + "] is " + stop.get(i).length() + " characters long, more than "
                        + MAX_STOP_LENGTH;
            }
        }
        return null;
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
