package io.streamformer.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin client the app opens at start-up (to read the dead-letter topic's max.message.bytes) gets its settings
 * as Kafka Streams' own admin client does: secrets referenced through config providers resolved, admin.-prefixed
 * keys applied, no Kafka Streams setting.
 */
class AdminConfigTest {

    @Test
    void config_provider_references_are_resolved_and_admin_prefixed_keys_win(@TempDir Path secrets) throws Exception {
        Files.writeString(secrets.resolve("ca.password"), "s3cret-from-a-file");
        Properties p = new Properties();
        p.put("application.id", "app");
        p.put("bootstrap.servers", "kafka:9093");
        p.put("security.protocol", "SSL");
        p.put("config.providers", "dir");
        p.put("config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        p.put("ssl.truststore.password", "${dir:" + secrets + ":ca.password}");
        p.put("request.timeout.ms", "30000");
        p.put("admin.request.timeout.ms", "12345");
        p.put("num.stream.threads", "2");

        Map<String, Object> admin = StreamFormerApp.adminConfig(p);
        assertThat(String.valueOf(admin.get("ssl.truststore.password"))).isEqualTo("s3cret-from-a-file");
        assertThat(admin).containsEntry("security.protocol", "SSL").containsEntry("request.timeout.ms", "12345")
                .doesNotContainKey("num.stream.threads");
    }
}
