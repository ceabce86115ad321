package io.streamformer.app.config;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.streams.StreamsConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Kafka ACLs the standalone app needs on a cluster with an authorizer, and no more: written down once, here,
 * for the documentation (streams-app/README.md, "Security"), the Strimzi {@code KafkaUser} of deploy/k8s and the
 * tests that run the app with exactly these permissions (SecurityIT). Kafka's implications apply: READ, WRITE and
 * DELETE on a resource imply DESCRIBE on it, so DESCRIBE is not listed separately.
 */
public final class RequiredAcls {
    private RequiredAcls() {
    }

    /** One operation the app needs on a resource (a literal name, or every name with a prefix), and why. */
    public record Permission(ResourceType resourceType, String name, PatternType patternType, AclOperation operation,
                             String why) {

        /** The ACL allowing {@code principal} (e.g. {@code User:streamformer}) this operation from any host. */
        public AclBinding binding(String principal) {
            return new AclBinding(new ResourcePattern(resourceType, name, patternType),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
        }

        /** Whether this permission's resource pattern covers the resource {@code resourceName}. */
        public boolean matches(String resourceName) {
            return patternType == PatternType.PREFIXED ? resourceName.startsWith(name) : resourceName.equals(name);
        }

        /** e.g. {@code TOPIC inference-requests (literal)}. */
        public String resource() {
            return resourceType + " " + name + " (" + patternType.name().toLowerCase(Locale.ROOT) + ")";
        }

        @Override
        public String toString() {
            return resource() + ": " + operation + " (" + why + ")";
        }
    }

    /** The permissions of an app with this configuration (its application.id and topics). */
    public static List<Permission> of(StreamFormerConfig config) {
        Object applicationId = config.streamsProperties().get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (applicationId == null) {
            throw new IllegalArgumentException(StreamsConfig.APPLICATION_ID_CONFIG + " is not set");
        }
        return of(applicationId.toString(), config.inputTopic(), config.outputTopic(), config.deadLetterTopic());
    }

    /**
     * The permissions of an app with this application.id and these topics, exactly-once (exactly_once_v2, the
     * app's default). Internal topics (the decode-state changelog) and transactional ids are named
     * {@code <application.id>-...} by Kafka Streams, hence the prefixed patterns.
     */
    public static List<Permission> of(String applicationId, String inputTopic, String outputTopic,
                                      String deadLetterTopic) {
        String internal = applicationId + "-";
        List<Permission> p = new ArrayList<>();
        p.add(new Permission(ResourceType.TOPIC, inputTopic, PatternType.LITERAL, AclOperation.READ,
                "consume requests"));
        p.add(new Permission(ResourceType.TOPIC, outputTopic, PatternType.LITERAL, AclOperation.WRITE,
                "produce results"));
        p.add(new Permission(ResourceType.TOPIC, deadLetterTopic, PatternType.LITERAL, AclOperation.WRITE,
                "produce dead letters"));
        p.add(new Permission(ResourceType.TOPIC, deadLetterTopic, PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS,
                "read its max.message.bytes at start-up"));
        p.add(new Permission(ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ,
                "the consumer group, and committing offsets in transactions"));
        p.add(new Permission(ResourceType.TOPIC, internal, PatternType.PREFIXED, AclOperation.CREATE,
                "create the decode-state changelog"));
        p.add(new Permission(ResourceType.TOPIC, internal, PatternType.PREFIXED, AclOperation.READ,
                "restore the decode-state store from its changelog"));
        p.add(new Permission(ResourceType.TOPIC, internal, PatternType.PREFIXED, AclOperation.WRITE,
                "write the decode-state changelog"));
        p.add(new Permission(ResourceType.TRANSACTIONAL_ID, internal, PatternType.PREFIXED, AclOperation.WRITE,
                "exactly-once: the stream threads' transactional producers"));
        return List.copyOf(p);
    }

    /** The ACLs of {@link #of(StreamFormerConfig)} for one principal. */
    public static List<AclBinding> bindings(String principal, List<Permission> permissions) {
        return permissions.stream().map(p -> p.binding(principal)).toList();
    }
}
