package io.streamformer.app.config;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The app's ACL list: its entries, and ACL bindings from it. SecurityIT runs the app with exactly these. */
class RequiredAclsTest {

    @Test
    void the_list_follows_the_configuration() {
        Properties p = new Properties();
        p.put("application.id", "translator");
        p.put("bootstrap.servers", "kafka:9092");
        p.put(StreamFormerConfig.MODEL_DIR, "/models/x");
        p.put(StreamFormerConfig.INPUT_TOPIC, "req");
        p.put(StreamFormerConfig.OUTPUT_TOPIC, "res");
        p.put(StreamFormerConfig.DLQ_TOPIC, "dead");
        List<String> list = RequiredAcls.of(StreamFormerConfig.from(p, Map.of(), "test")).stream()
                .map(a -> a.resource() + ": " + a.operation()).toList();
        assertThat(list).containsExactly(
                "TOPIC req (literal): READ",
                "TOPIC res (literal): WRITE",
                "TOPIC dead (literal): WRITE",
                "TOPIC dead (literal): DESCRIBE_CONFIGS",
                "GROUP translator (literal): READ",
                "TOPIC translator- (prefixed): CREATE",
                "TOPIC translator- (prefixed): READ",
                "TOPIC translator- (prefixed): WRITE",
                "TRANSACTIONAL_ID translator- (prefixed): WRITE");
    }

    @Test
    void bindings_allow_one_principal_from_any_host_and_prefixes_match_by_prefix() {
        RequiredAcls.Permission changelog = RequiredAcls.of("app", "in", "out", "dlq").stream()
                .filter(a -> a.patternType() == PatternType.PREFIXED && a.resourceType() == ResourceType.TOPIC)
                .findFirst().orElseThrow();
        AclBinding b = changelog.binding("User:streamformer");
        assertThat(b.pattern().name()).isEqualTo("app-");
        assertThat(b.entry().principal()).isEqualTo("User:streamformer");
        assertThat(b.entry().host()).isEqualTo("*");
        assertThat(b.entry().operation()).isEqualTo(AclOperation.CREATE);
        assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
        assertThat(changelog.matches("app-decode-state-changelog")).isTrue();
        assertThat(changelog.matches("application-x")).isFalse();
        RequiredAcls.Permission input = RequiredAcls.of("app", "in", "out", "dlq").get(0);
        assertThat(input.matches("in")).isTrue();
        assertThat(input.matches("in2")).isFalse();
    }

    @Test
    void without_an_application_id_there_is_no_list() {
        Properties p = new Properties();
        p.put(StreamFormerConfig.MODEL_DIR, "/models/x");
        assertThatThrownBy(() -> RequiredAcls.of(StreamFormerConfig.from(p, Map.of(), "test")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("application.id");
    }
}
