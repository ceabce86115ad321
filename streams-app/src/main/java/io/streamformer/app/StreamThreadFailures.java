package io.streamformer.app;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the app does when a stream thread dies. A missing permission or failed authentication will not heal:
 * the instance shuts down with a message that names it. Anything else (a transaction that failed because the
 * broker refused a record, a broker that went away for longer than the client retries) gets a new stream thread,
 * which resumes from the last commit (exactly-once aborts what the dead thread had not committed); past
 * {@code maxReplacements} within ten minutes the instance shuts down, so that an error that recurs on every attempt
 * ends in a clear exit rather than a loop.
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);
    static final long WINDOW_MS = 10 * 60 * 1000L;

    private final int maxReplacements;
    private final Deque<Long> replacements = new ArrayDeque<>();
    private volatile String fatal;

    StreamThreadFailures(int maxReplacements) {
        this.maxReplacements = maxReplacements;
    }

    /** Why the instance shut itself down, or null. */
    String fatalReason() {
        return fatal;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable e) {
        String permission = permissionProblem(e);
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

    /** The missing permission or failed login in the cause chain, in words; null if there is none. */
    static String permissionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException) {
                return "Kafka refused an operation for lack of permission: " + t.getMessage();
            }
            if (t instanceof AuthenticationException) {
                return "Kafka authentication failed: " + t.getMessage();
            }
        }
        return null;
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }
}
