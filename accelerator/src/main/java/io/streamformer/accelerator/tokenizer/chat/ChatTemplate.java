package io.streamformer.accelerator.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.streamformer.accelerator.tokenizer.bpe.HfTokenizer;
import jinjava.javax.el.CompositeELResolver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template(messages,
 * add_generation_prompt=..., tokenize=False)} renders it: jinja2 with trim_blocks and lstrip_blocks, the
 * special tokens of tokenizer_config.json as variables ({@code bos_token}, {@code eos_token}, ...), the
 * globals {@code raise_exception} and {@code strftime_now}, and the {@code tojson} filter. Rendering is done
 * by Jinjava, with Python's string and dict methods added. The rendered prompt holds control tokens as text:
 * {@link #encode(HfTokenizer, List, boolean)} turns it into ids, control tokens recognized except where
 * message content quotes them (the template writes the BOS itself where the model wants one).
 *
 * <p>Immutable and thread-safe. Failures (syntax errors at load; raise_exception, e.g. for a role the
 * template does not know, and failed expressions at render) are {@link ChatTemplateException}s naming the
 * template's file.
 */
public final class ChatTemplate {
    public static final String CONFIG_FILE = "tokenizer_config.json";
    /** Where newer transformers versions save the template instead of tokenizer_config.json. */
    public static final String TEMPLATE_FILE = "chat_template.jinja";
    private static final Jinjava JINJAVA = newJinjava();

    private final String source;
    /** The template as written, for error messages. */
    private final String original;
    private final String template;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private ChatTemplate(String source, String original, String template, Map<String, Object> specialTokens,
                         Clock clock) {
        this.source = source;
        this.original = original;
        this.template = template;
        this.specialTokens = Map.copyOf(specialTokens);
        this.clock = clock;
    }

    private static ChatTemplate create(String source, String text, Map<String, Object> specialTokens) {
        ChatTemplate t = new ChatTemplate(source, text, JinjaWhitespaceControl.apply(jinjaSource(text)),
                specialTokens, Clock.systemDefaultZone());
        t.checkSyntax();
        return t;
    }

    /** This template with {@code strftime_now} reading {@code clock} (for tests; the system clock otherwise). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, original, template, specialTokens, clock);
    }

    /**
     * The chat template of a model directory: {@code chat_template.jinja} if present, else
     * tokenizer_config.json's {@code chat_template}; the special tokens come from tokenizer_config.json.
     */
    public static ChatTemplate load(Path dir) {
        Path config = dir.resolve(CONFIG_FILE);
        JsonNode root = null;
        if (Files.exists(config)) {
            try {
                root = new ObjectMapper().readTree(config.toFile());
            } catch (IOException e) {
                throw new ChatTemplateException(config + ": not readable JSON: " + firstLine(e.getMessage()));
            }
        }
        Map<String, Object> specials = root == null ? Map.of() : specialTokens(root, config);
        Path jinja = dir.resolve(TEMPLATE_FILE);
        if (Files.exists(jinja)) {
            try {
                return create(jinja.toString(), Files.readString(jinja, StandardCharsets.UTF_8), specials);
            } catch (IOException e) {
                throw new ChatTemplateException(jinja + ": not readable: " + e.getMessage());
            }
        }
        if (root == null) {
            throw new ChatTemplateException(dir + ": neither " + TEMPLATE_FILE + " nor " + CONFIG_FILE + " is there");
        }
        return create(config.toString(), chatTemplate(root, config), specials);
    }

    /** A template file (Jinja text), with the special-token variables transformers would pass. */
    public static ChatTemplate load(Path templateFile, Map<String, ?> specialTokens) {
        try {
            return of(templateFile.toString(), Files.readString(templateFile, StandardCharsets.UTF_8), specialTokens);
        } catch (IOException e) {
            throw new ChatTemplateException(templateFile + ": not readable: " + e.getMessage());
        }
    }

    /**
     * A template given as text; {@code source} names it in error messages, {@code specialTokens} are the
     * variables transformers passes from the special tokens map (bos_token, eos_token, ...).
     */
    public static ChatTemplate of(String source, String template, Map<String, ?> specialTokens) {
        return create(source, template, new HashMap<>(specialTokens));
    }

    /** The conversation as the prompt text the model expects; with the assistant's opening when asked for. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * As {@link #render(List, boolean)}, with extra template variables (transformers' apply_chat_template
     * keyword arguments, e.g. {@code date_string} for Llama 3.x, {@code enable_thinking} for Qwen3).
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.putAll(variables);
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        TemplateFunctions.RAISED.remove();
        TemplateFunctions.CLOCK.set(clock);
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(template, context);
        } catch (RuntimeException e) {
            throw failure("rendering failed: " + firstLine(e.getMessage()));
        } finally {
            String raised = TemplateFunctions.RAISED.get();
            TemplateFunctions.RAISED.remove();
            TemplateFunctions.CLOCK.remove();
            if (raised != null) {
                throw failure("the template raised an exception: " + firstLine(raised));
            }
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure("rendering failed" + where(error) + ": " + firstLine(error.getMessage()));
            }
        }
        return result.getOutput();
    }

    /**
     * The token ids of the rendered conversation, as transformers' {@code apply_chat_template(tokenize=True)}
     * gives them (control tokens recognized, nothing added around: the template writes the BOS), except that
     * control-token strings written inside message content stay text: a user cannot close their turn by
     * typing {@code <|im_end|>}.
     */
    public int[] encode(HfTokenizer tokenizer, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return encode(tokenizer, messages, addGenerationPrompt, Map.of());
    }

    /** As {@link #encode(HfTokenizer, List, boolean)}, with extra template variables. */
    public int[] encode(HfTokenizer tokenizer, List<ChatMessage> messages, boolean addGenerationPrompt,
                        Map<String, ?> variables) {
        String prompt = render(messages, addGenerationPrompt, variables);
        List<String> controls = tokenizer.specialTokens().stream().filter(t -> !t.isEmpty()).toList();
        boolean quoted = messages.stream().anyMatch(m -> controls.stream().anyMatch(m.content()::contains));
        if (!quoted) {
            return tokenizer.encodeWithSpecialTokens(prompt, false);
        }
        // Render again with each quoted control token masked by a character found nowhere else, of the same
        // length: where the mask lands in the prompt is where the quotes are.
        char mask = unusedCharacter(prompt, messages);
        List<ChatMessage> masked = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            String content = m.content();
            for (String control : controls) {
                content = content.replace(control, String.valueOf(mask).repeat(control.length()));
            }
            masked.add(new ChatMessage(m.role(), content));
        }
        String maskedPrompt = render(masked, addGenerationPrompt, variables);
        if (maskedPrompt.length() != prompt.length()) {
            throw failure("cannot tell the control tokens that message content quotes from the template's own: "
                    + "the template changes content that holds them");
        }
        BitSet literal = new BitSet(prompt.length());
        for (int i = maskedPrompt.indexOf(mask); i >= 0; i = maskedPrompt.indexOf(mask, i + 1)) {
            literal.set(i);
        }
        return tokenizer.encodeWithSpecialTokens(prompt, false, literal);
    }

    private static char unusedCharacter(String prompt, List<ChatMessage> messages) {
        for (char c = '\uE000'; c <= '\uF8FF'; c++) {
            String s = String.valueOf(c);
            if (!prompt.contains(s) && messages.stream().noneMatch(m -> m.content().contains(s))) {
                return c;
            }
        }
        throw new IllegalStateException("every private-use character is in use");
    }

    /** Where the template came from (a file path), as error messages name it. */
    public String source() {
        return source;
    }

    /**
     * The template text as Jinjava renders it: newlines normalized and one trailing newline dropped (as jinja2
     * reads a template), whitespace control and comments already applied.
     */
    public String template() {
        return template;
    }

    private void checkSyntax() {
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        interpreter.parse(template);
        for (TemplateError error : interpreter.getErrorsCopy()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure("syntax error" + where(error) + ": " + firstLine(error.getMessage()));
            }
        }
    }

    /**
     * " at line N" of the template as written, found from the failing expression (Jinjava's own line numbers
     * count the lines of the template after whitespace control), or "" when it cannot be found.
     */
    private String where(TemplateError error) {
        String field = error.getFieldName();
        if (field == null || field.isBlank()) {
            return "";
        }
        int at = original.indexOf(field.strip());
        if (at < 0) {
            return " in '" + firstLine(field.strip()) + "'";
        }
        int line = 1;
        for (int k = 0; k < at; k++) {
            if (original.charAt(k) == '\n') {
                line++;
            }
        }
        return " at line " + line;
    }

    private ChatTemplateException failure(String what) {
        return new ChatTemplateException(source + ": chat_template: " + what);
    }

    /** jinja2 reads "\r\n" and "\r" as "\n" and drops one trailing newline (keep_trailing_newline=False). */
    private static String jinjaSource(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static Jinjava newJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // Jinjava would otherwise render "{{ ... }}" found inside values again: message content
                // is data, never template code.
                .withNestedInterpretationEnabled(false)
                .build();
        Jinjava jinjava = new Jinjava(config);
        try {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    TemplateFunctions.class.getMethod("raiseException", Object.class)));
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    TemplateFunctions.class.getMethod("strftimeNow", String.class)));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        jinjava.getGlobalContext().registerFilter(new TemplateFunctions.ToJsonFilter());
        jinjava.getGlobalContext().registerFilter(new TemplateFunctions.TrimFilter());
        jinjava.getGlobalContext().registerFilter(new TemplateFunctions.LengthFilter("length"));
        jinjava.getGlobalContext().registerFilter(new TemplateFunctions.LengthFilter("count"));
        jinjava.getGlobalContext().registerTag(new TemplateFunctions.GenerationTag());
        return jinjava;
    }

    /** The special tokens transformers passes to templates: those tokenizer_config.json names. */
    private static Map<String, Object> specialTokens(JsonNode root, Path file) {
        Map<String, Object> out = new HashMap<>();
        for (String field : List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token",
                "mask_token")) {
            String name = tokenName(root.get(field), file, field);
            if (name != null) {
                out.put(field, name);
            }
        }
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && extra.isArray() && !extra.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < extra.size(); i++) {
                names.add(tokenName(extra.get(i), file, "additional_special_tokens[" + i + "]"));
            }
            out.put("additional_special_tokens", List.copyOf(names));
        }
        return out;
    }

    private static String tokenName(JsonNode node, Path file, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new ChatTemplateException(file + ": " + field + ": must be a string or an object with a content field");
    }

    private static String chatTemplate(JsonNode root, Path file) {
        JsonNode node = root.get("chat_template");
        if (node == null || node.isNull()) {
            throw new ChatTemplateException(file + ": chat_template: missing (the model has no chat template)");
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asText(null)) && entry.path("template").isTextual()) {
                    return entry.get("template").asText();
                }
            }
            throw new ChatTemplateException(file + ": chat_template: lists named templates but none named 'default'");
        }
        throw new ChatTemplateException(file + ": chat_template: must be a string or a list of named templates");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
