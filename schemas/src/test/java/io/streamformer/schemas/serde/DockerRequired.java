package io.streamformer.schemas.serde;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a container test where a Docker engine is available and skips it elsewhere, unless
 * {@code -Dstreamformer.require.docker=true}: then a missing Docker engine fails the test, so that an environment
 * that has Docker proves it ran them. Register it before the Testcontainers extension.
 */
public final class DockerRequired implements ExecutionCondition {
    public static final String PROPERTY = "streamformer.require.docker";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            available = false;
        }
        if (available) {
            return ConditionEvaluationResult.enabled("a Docker engine is available");
        }
        if (Boolean.getBoolean(PROPERTY)) {
            throw new IllegalStateException("-D" + PROPERTY + "=true, but no Docker engine is available for "
                    + context.getDisplayName());
        }
        return ConditionEvaluationResult.disabled("no Docker engine (-D" + PROPERTY + "=true makes this a failure)");
    }
}
