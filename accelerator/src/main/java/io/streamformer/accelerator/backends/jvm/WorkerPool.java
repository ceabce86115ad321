package io.streamformer.accelerator.backends.jvm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fork-join for kernel loops: the caller runs the first chunk of a range and up to threads-1 daemon
 * workers run the others. Workers spin briefly before parking, because a decoding step hands them a
 * hundred small kernels in quick succession and a park/unpark round trip per kernel would dominate.
 */
final class WorkerPool implements AutoCloseable {

    @FunctionalInterface
    interface RangeBody {
        /** Runs [from, to); {@code worker} in [0, threads) selects per-worker scratch space. */
        void run(int from, int to, int worker);
    }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    WorkerPool(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = new Worker[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Splits [0, n) into at most {@code threads} chunks of at least {@code minGrain} and waits for all. */
    void parallelFor(int n, int minGrain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min(threads, Math.max(1, n / Math.max(1, minGrain)));
        if (chunks == 1) {
            body.run(0, n, 0);
            return;
        }
        pending.set(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            workers[c - 1].submit(body, bound(n, chunks, c), bound(n, chunks, c + 1));
        }
        Throwable own = null;
        try {
            body.run(0, bound(n, chunks, 1), 0);
        } catch (Throwable t) {
            own = t;
        }
        while (pending.get() != 0) {
            Thread.onSpinWait();
        }
        Throwable err = own != null ? own : failure.getAndSet(null);
        if (err instanceof RuntimeException re) {
            throw re;
        }
        if (err instanceof Error e) {
            throw e;
        }
        if (err != null) {
            throw new IllegalStateException(err);
        }
    }

    private static int bound(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    private final class Worker implements Runnable {
        final Thread thread;
        final int index;
        volatile RangeBody body;
        volatile int from;
        volatile int to;
        volatile int submitted;
        int done;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "streamformer-kernel-" + index);
            this.thread.setDaemon(true);
        }

        void submit(RangeBody b, int f, int t) {
            body = b;
            from = f;
            to = t;
            submitted++; // single writer: the caller thread
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (!closed) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (submitted == done && !closed) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (closed) {
                    return;
                }
                done = submitted;
                try {
                    body.run(from, to, index);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
