package io.streamformer.app.config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static io.streamformer.app.config.StreamFormerConfig.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamFormerConfigTest {

    private static Properties minimal() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "kafka:9092");
        p.put("application.id", "sf");
        p.put(MODEL_DIR, "/models/opus-mt-en-es");
        return p;
    }

    @Test
    void kafkaKeysPassThroughAndExactlyOnceIsTheDefault() {
        Properties p = minimal();
        p.put("num.standby.replicas", "1");
        p.put("security.protocol", "SASL_SSL");
        StreamFormerConfig config = StreamFormerConfig.from(p, Map.of(), "test");

        Properties streams = config.streamsProperties();
        assertThat(streams).containsEntry("bootstrap.servers", "kafka:9092").containsEntry("num.standby.replicas", "1")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("processing.guarantee", "exactly_once_v2");
        assertThat(streams.keySet()).noneMatch(k -> k.toString().startsWith(PREFIX));
        assertThat(config.modelId()).isEqualTo("opus-mt-en-es");
        assertThat(config.inputTopic()).isEqualTo("inference-requests");
        assertThat(config.getInt(BATCH_MAX_SEQUENCES)).isEqualTo(32);
    }

    @Test
    void theFileMayChooseAnotherProcessingGuarantee() {
        Properties p = minimal();
        p.put("processing.guarantee", "at_least_once");
        assertThat(StreamFormerConfig.from(p, Map.of(), "test").streamsProperties())
                .containsEntry("processing.guarantee", "at_least_once");
    }

    @Test
    void commitsEvery50MsAndPollsEvery10UnlessTheFileSaysOtherwise() {
        assertThat(StreamFormerConfig.from(minimal(), Map.of(), "test").streamsProperties())
                .containsEntry("commit.interval.ms", "50").containsEntry("poll.ms", "10");
        Properties p = minimal();
        p.put("commit.interval.ms", "500");
        p.put("poll.ms", "100");
        assertThat(StreamFormerConfig.from(p, Map.of(), "test").streamsProperties())
                .containsEntry("commit.interval.ms", "500").containsEntry("poll.ms", "100");
    }

    @Test
    void environmentVariablesOverrideTheFile() {
        Map<String, String> env = Map.of(
                "STREAMFORMER_MODEL_DIR", "/elsewhere/model",
                "STREAMFORMER_BATCH_MAX_SEQUENCES", "64",
                "STREAMFORMER_KAFKA_BOOTSTRAP_SERVERS", "broker-0:9092,broker-1:9092",
                "STREAMFORMER_KAFKA_NUM_STREAM_THREADS", "4",
                "PATH", "/usr/bin");
        StreamFormerConfig config = StreamFormerConfig.from(minimal(), env, "test");

        assertThat(config.modelDir()).isEqualTo("/elsewhere/model");
        assertThat(config.getInt(BATCH_MAX_SEQUENCES)).isEqualTo(64);
        assertThat(config.streamsProperties()).containsEntry("bootstrap.servers", "broker-0:9092,broker-1:9092")
                .containsEntry("num.stream.threads", "4").doesNotContainKey("path");
        assertThat(StreamFormerConfig.environmentVariable(CHECKPOINT_INTERVAL_MS))
                .isEqualTo("STREAMFORMER_CHECKPOINT_INTERVAL_MS");
    }

    @Test
    void aMisspelledAppKeyIsAnErrorThatListsTheKnownOnes() {
        Properties p = minimal();
        p.put("streamformer.batch.max.sequence", "8");
        assertThatThrownBy(() -> StreamFormerConfig.from(p, Map.of(), "app.properties"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("app.properties: unknown key streamformer.batch.max.sequence")
                .hasMessageContaining(BATCH_MAX_SEQUENCES);
    }

    @Test
    void badValuesAndMissingRequiredKeysAreErrorsNamingTheKey() {
        Properties p = minimal();
        p.put(BATCH_MAX_REQUESTS, "0");
        assertThatThrownBy(() -> StreamFormerConfig.from(p, Map.of(), "app.properties"))
                .hasMessageContaining("app.properties").hasMessageContaining(BATCH_MAX_REQUESTS);
        Properties noModel = minimal();
        noModel.remove(MODEL_DIR);
        assertThatThrownBy(() -> StreamFormerConfig.from(noModel, Map.of(), "app.properties"))
                .hasMessageContaining(MODEL_DIR);
        Properties badFormat = minimal();
        badFormat.put(SERDE_FORMAT, "json");
        assertThatThrownBy(() -> StreamFormerConfig.from(badFormat, Map.of(), "app.properties"))
                .hasMessageContaining(SERDE_FORMAT);
    }

    @Test
    void loadsAPropertiesFileAndSaysWhichOneIsMissing() throws Exception {
        Path file = Files.createTempFile("sf-", ".properties");
        Files.writeString(file, "bootstrap.servers=k:9092\napplication.id=x\nstreamformer.model.dir=/m/tiny\n");
        assertThat(StreamFormerConfig.load(file, Map.of()).modelId()).isEqualTo("tiny");
        assertThatThrownBy(() -> StreamFormerConfig.load(file.resolveSibling("nope.properties"), Map.of()))
                .hasMessageContaining("cannot read the configuration file").hasMessageContaining("nope.properties");
    }

    @Test
    void everyKeyIsDocumentedInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (String key : DEFINITION.names()) {
            assertThat(readme).as("streams-app/README.md documents " + key).contains("`" + key + "`");
        }
    }
}
