package io.streamformer.accelerator.decoding;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.format.ModelFormatException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** transformers' precedence: call arguments over generation_config.json over its defaults. */
class GenerationConfigTest {
    private static final ModelInfo MODEL = new ModelInfo("marian", true, 100, 100, 512, java.util.List.of(0), 99,
            null, 99, 0, 1);

    private static GenerationConfig parse(String json) throws Exception {
        return GenerationConfig.fromJson(new ObjectMapper().readTree(json), "generation_config.json", MODEL);
    }

    @Test
    void maxLengthCountsTheStartTokenAndMaxNewTokensWins() throws Exception {
        GenerationConfig c = parse("{\"max_length\": 512, \"num_beams\": 4}");
        assertThat(c.resolve(GenerationOverrides.NONE).maxNewTokens()).isEqualTo(511);
        assertThat(c.resolve(GenerationOverrides.NONE).numBeams()).isEqualTo(4);
        assertThat(c.resolve(GenerationOverrides.NONE.withMaxNewTokens(12)).maxLength(1)).isEqualTo(13);
        assertThat(parse("{}").resolve(GenerationOverrides.NONE).maxNewTokens()).isEqualTo(19);
        assertThat(parse("{\"max_new_tokens\": 7, \"max_length\": 100}").resolve(GenerationOverrides.NONE)
                .maxNewTokens()).isEqualTo(7);
    }

    @Test
    void tokenIdsComeFromTheFileOrTheModel() throws Exception {
        GenerationParams p = parse("{\"bad_words_ids\": [[99]], \"forced_eos_token_id\": 0}").resolve(GenerationOverrides.NONE);
        assertThat(p.decoderStartTokenId()).isEqualTo(99);
        assertThat(p.eosTokenId()).isZero();
        assertThat(p.badWordsIds()).containsExactly(new int[]{99});
        assertThat(p.forcedEosTokenId()).isZero();
        assertThat(parse("{\"eos_token_id\": [5, 6]}").eosTokenIds()).containsExactly(5, 6);
    }

    @Test
    void earlyStoppingTakesTrueFalseOrNever() throws Exception {
        assertThat(parse("{\"early_stopping\": true}").earlyStopping()).isEqualTo(EarlyStopping.TRUE);
        assertThat(parse("{\"early_stopping\": \"never\"}").earlyStopping()).isEqualTo(EarlyStopping.NEVER);
        assertThatThrownBy(() -> parse("{\"early_stopping\": \"sometimes\"}"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("early_stopping");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> parse("{\"bad_words_ids\": [[100]]}")).hasMessageContaining("bad_words_ids");
        assertThatThrownBy(() -> parse("{\"pad_token_id\": 100}")).hasMessageContaining("pad_token_id (100)");
        assertThatThrownBy(() -> parse("{\"num_beams\": \"four\"}")).hasMessageContaining("num_beams");
    }

    @Test
    void paramsExplainWhatIsInvalid() throws Exception {
        GenerationConfig c = parse("{}");
        assertThat(c.resolve(GenerationOverrides.NONE).problem()).isNull();
        assertThat(c.resolve(new GenerationOverrides(null, null, null, true, -1.0, null, null, null, null, null))
                .problem()).contains("temperature");
        assertThat(c.resolve(new GenerationOverrides(null, null, null, null, null, null, 1.5, null, null, null))
                .problem()).contains("top_p");
    }
}
