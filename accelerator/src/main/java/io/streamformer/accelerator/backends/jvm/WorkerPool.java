package io.streamformer.accelerator.backends.jvm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fork-join for kernel loops: the caller and up to threads-1 daemon workers take chunks of a range from a shared
 * counter until none is left, so a thread that started late or was descheduled for a moment (other processes share
 * the cores) does not hold the others up. Workers spin briefly before parking, because a decoding step hands them a
 * hundred small kernels in quick succession and a park/unpark round trip per kernel would dominate. How a range is
 * cut never changes a result: every kernel computes each of its items independently.
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

    /** Chunks per thread when a range allows as many: enough to even the threads out, few enough to stay cheap. */
    private static final int CHUNKS_PER_THREAD = 4;

    /**
     * Runs [0, n) in chunks of at least {@code minGrain} on up to {@code threads} threads and waits for all.
     */
    void parallelFor(int n, int minGrain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int grains = (int) Math.max(1, n / Math.max(1, minGrain));
        int helpers = Math.min(threads, grains) - 1;
        if (helpers == 0) {
            body.run(0, n, 0);
            return;
        }
        int chunks = Math.min(grains, threads * CHUNKS_PER_THREAD);
        Job job = new Job(body, n, chunks);
        pending.set(helpers);
        for (int w = 0; w < helpers; w++) {
            workers[w].submit(job);
        }
        Throwable own = null;
        try {
            job.drain(0);
        } catch (Throwable t) {
            own = t;
            job.abandon();
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

    /** One parallelFor: its chunks are claimed from a counter by whichever thread is free. */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
        }

        void drain(int worker) {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                body.run(bound(c), bound(c + 1), worker);
            }
        }

        /** After a failure: leave the rest undone. */
        void abandon() {
            next.set(chunks);
        }

        private int bound(int c) {
            return (int) ((long) n * c / chunks);
        }
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
        volatile Job job;
        volatile int submitted;
        /** Set while the worker may be parked: only then does a submit pay for an unpark. */
        volatile boolean parked;
        int done;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "streamformer-kernel-" + index);
            this.thread.setDaemon(true);
        }

        void submit(Job j) {
            job = j;
            submitted++; // single writer: the caller thread
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public void run() {
            while (!closed) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (submitted == done && !closed) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (submitted == done && !closed) { // checked again after announcing it (no lost wake-up)
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                if (closed) {
                    return;
                }
                done = submitted;
                Job j = job;
                try {
                    j.drain(index);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    j.abandon();
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
