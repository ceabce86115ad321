package io.streamformer.accelerator;

import io.streamformer.accelerator.scheduler.StopCondition;
import io.streamformer.accelerator.tokenizer.Tokenizer;

import java.util.List;

/**
 * A request's stop strings: generation ends as soon as the text of the new tokens contains one of them (finish
 * reason STOP), and the text is cut before the earliest one, as OpenAI-style APIs return it. The new tokens are
 * decoded whole after each step, so a stop string that spans tokens is found too.
 */
public final class StopStrings implements StopCondition {
    private final Tokenizer tokenizer;
    private final List<String> strings;

    public StopStrings(Tokenizer tokenizer, List<String> strings) {
        this.tokenizer = tokenizer;
        this.strings = List.copyOf(strings);
    }

    public List<String> strings() {
        return strings;
    }

    @Override
    public boolean shouldStop(int[] sequence, int promptLength) {
        String text = tokenizer.decode(java.util.Arrays.copyOfRange(sequence, promptLength, sequence.length));
        return firstStop(text) >= 0;
    }

    /** The text up to the earliest stop string, or all of it when none occurs. */
    public String trim(String text) {
        int at = firstStop(text);
        return at < 0 ? text : text.substring(0, at);
    }

    private int firstStop(String text) {
        int first = -1;
        for (String s : strings) {
            int at = text.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }
}
