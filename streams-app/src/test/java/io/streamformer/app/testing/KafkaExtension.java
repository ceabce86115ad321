package io.streamformer.app.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** {@code @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();} gives a test class the run's broker. */
public final class KafkaExtension implements BeforeAllCallback {
    private TestKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = TestKafka.get(context);
    }

    public TestKafka kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }
}
