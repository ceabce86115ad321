package io.streamformer.app;

import io.streamformer.app.config.RequiredAcls;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What a dead stream thread leads to, and the one line that says why the instance stops. */
class StreamThreadFailuresTest {
    private static final List<RequiredAcls.Permission> NEEDED = RequiredAcls.of("app", "requests", "results", "dlq");

    private static String problem(Throwable e) {
        return StreamThreadFailures.permissionProblem(e, NEEDED);
    }

    @Test
    void a_refused_topic_is_named_with_the_operations_the_app_needs_on_it() {
        String line = problem(new StreamsException("Error encountered sending record to topic results",
                new TopicAuthorizationException(Set.of("results"))));
        assertThat(line).isEqualTo("Kafka refused an operation for lack of permission: Not authorized to access"
                + " topics: [results] (this app needs WRITE on TOPIC results (literal))");
        assertThat(problem(new TopicAuthorizationException(Set.of("requests")))).endsWith("(this app needs READ on"
                + " TOPIC requests (literal))");
    }

    @Test
    void a_refusal_that_names_no_topic_takes_the_topic_from_the_exception_around_it() {
        String line = problem(new StreamsException("Could not create topic app-decode-state-changelog.",
                new TopicAuthorizationException("Authorization failed.")));
        assertThat(line).isEqualTo("Kafka refused an operation for lack of permission: Authorization failed. (Could"
                + " not create topic app-decode-state-changelog.) (this app needs CREATE on TOPIC app- (prefixed),"
                + " READ on TOPIC app- (prefixed), WRITE on TOPIC app- (prefixed))");
    }

    @Test
    void a_refused_group_or_transactional_id_is_named_too() {
        assertThat(problem(new StreamsException(GroupAuthorizationException.forGroupId("app"))))
                .endsWith("Not authorized to access group: app (this app needs READ on GROUP app (literal))");
        assertThat(problem(new TransactionalIdAuthorizationException("Transactional Id authorization failed.")))
                .endsWith("(this app needs WRITE on TRANSACTIONAL_ID app- (prefixed))");
    }

    @Test
    void a_failed_login_says_where_to_look_and_stops_the_instance() {
        SaslAuthenticationException wrongPassword = new SaslAuthenticationException("Authentication failed during"
                + " authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");
        assertThat(problem(new StreamsException(wrongPassword))).isEqualTo("Kafka authentication failed:"
                + " Authentication failed during authentication due to invalid credentials with SASL mechanism"
                + " SCRAM-SHA-512 (check the user and password in sasl.jaas.config)");
        StreamThreadFailures failures = new StreamThreadFailures(10, NEEDED);
        assertThat(failures.handle(wrongPassword)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.fatalReason()).startsWith("Kafka authentication failed");
    }

    @Test
    void anything_else_replaces_the_thread_until_it_recurs_too_often() {
        StreamThreadFailures failures = new StreamThreadFailures(2, NEEDED);
        assertThat(problem(new StreamsException(new TimeoutException("slow")))).isNull();
        assertThat(failures.handle(new TimeoutException("1"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.handle(new TimeoutException("2"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.handle(new TimeoutException("3"))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.fatalReason()).contains("3 times within 10 minutes");
    }
}
