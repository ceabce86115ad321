package io.streamformer.app;

import io.streamformer.app.config.RequiredAcls;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the app does when a stream thread dies. A missing permission or failed authentication will not heal:
 * the instance shuts down with a message that names it. Anything else (a transaction that failed because the
 * broker refused a record, a broker that went away for longer than the client retries) gets a new stream thread,
 * which resumes from the last commit (exactly-once aborts what the dead thread had not committed); past
 * {@code maxReplacements} within ten minutes the instance shuts down, so that an error that recurs on every attempt
 * ends in a clear exit rather than a loop. The message of a missing permission names the resource Kafka refused and
 * the operations this app needs on it ({@link RequiredAcls}).
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);
    static final long WINDOW_MS = 10 * 60 * 1000L;

    private final int maxReplacements;
    private final List<RequiredAcls.Permission> permissions;
    private final Deque<Long> replacements = new ArrayDeque<>();
    private volatile String fatal;

    /** {@code permissions}: what the app needs ({@link RequiredAcls#of}), to name in a missing permission's message. */
    StreamThreadFailures(int maxReplacements, List<RequiredAcls.Permission> permissions) {
        this.maxReplacements = maxReplacements;
        this.permissions = List.copyOf(permissions);
    }

    /** Why the instance shut itself down, or null. */
    String fatalReason() {
        return fatal;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable e) {
        String permission = permissionProblem(e, permissions);
        if (permission != null) {
            fatal = permission;
            LOG.error("{}; shutting this instance down (grant the permission and restart it)", permission, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        long now = System.currentTimeMillis();
        while (!replacements.isEmpty() && now - replacements.peekFirst() > WINDOW_MS) {
            replacements.pollFirst();
        }
        if (replacements.size() >= maxReplacements) {
            fatal = "a stream thread failed " + (replacements.size() + 1) + " times within 10 minutes: " + rootCause(e);
            LOG.error("{}; shutting this instance down", fatal, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        LOG.warn("A stream thread failed ({}); replacing it ({} of at most {} replacements in 10 minutes): it resumes"
                + " from the last commit", rootCause(e), replacements.size(), maxReplacements, e);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * The missing permission or failed login in the cause chain, in one line; null if there is none. A refused
     * topic, group or transactional id is named with the operations that {@code needed} lists for it.
     */
    static String permissionProblem(Throwable e, List<RequiredAcls.Permission> needed) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException refused) {
                // "Authorization failed." alone: the exception around it says what was refused
                String context = namesNoResource(refused) && t != e ? " (" + oneLine(e.getMessage()) + ")" : "";
                return "Kafka refused an operation for lack of permission: " + oneLine(t.getMessage()) + context
                        + neededOn(refused, needed, context);
            }
            if (t instanceof AuthenticationException) {
                return "Kafka authentication failed: " + oneLine(t.getMessage()) + switch (t) {
                    case SaslAuthenticationException s -> " (check the user and password in sasl.jaas.config)";
                    case SslAuthenticationException s -> " (check the truststore, and the key store where the"
                            + " cluster asks for a client certificate)";
                    default -> "";
                };
            }
        }
        return null;
    }

    private static boolean namesNoResource(AuthorizationException refused) {
        return refused instanceof TopicAuthorizationException t && t.unauthorizedTopics().isEmpty();
    }

    /**
     * " (this app needs WRITE on TOPIC results (literal))", or "" when the refused resource is none of these. A
     * topic authorization failure that names no topic is matched against the words of {@code context}.
     */
    static String neededOn(AuthorizationException refused, List<RequiredAcls.Permission> needed, String context) {
        List<RequiredAcls.Permission> on = switch (refused) {
            case TopicAuthorizationException t -> matching(needed, ResourceType.TOPIC,
                    t.unauthorizedTopics().isEmpty() ? words(context) : t.unauthorizedTopics());
            case GroupAuthorizationException g when g.groupId() != null ->
                    matching(needed, ResourceType.GROUP, List.of(g.groupId()));
            case TransactionalIdAuthorizationException x ->
                    needed.stream().filter(p -> p.resourceType() == ResourceType.TRANSACTIONAL_ID).toList();
            default -> List.of();
        };
        return on.isEmpty() ? "" : on.stream().map(p -> p.operation() + " on " + p.resource())
                .collect(Collectors.joining(", ", " (this app needs ", ")"));
    }

    private static List<RequiredAcls.Permission> matching(List<RequiredAcls.Permission> needed, ResourceType type,
                                                          Collection<String> names) {
        return needed.stream().filter(p -> p.resourceType() == type && names.stream().anyMatch(p::matches)).toList();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split("[\\s,;:'\"()\\[\\]]+")).map(w -> w.replaceAll("\\.+$", ""))
                .filter(w -> !w.isEmpty()).toList();
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ");
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }
}
