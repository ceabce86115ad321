package io.streamformer.accelerator.backends.jvm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fork-join for kernel loops: the caller and up to threads-1 daemon workers take chunks of a range from a shared
 * counter until none is left, so a thread that started late or was descheduled for a moment (other processes share
 * the cores) does not hold the others up: the caller waits only for the chunks another thread has claimed, never
 * for a worker that has not woken up yet. Workers spin briefly before parking, because a decoding step hands them a
 * hundred small kernels in quick succession and a park/unpark round trip per kernel would dominate. How a range is
 * cut never changes a result: every kernel computes each of its items independently.
 */
final class WorkerPool implements AutoCloseable {

    @FunctionalInterface
    interface RangeBody {
        /** Runs [from, to); {@code worker} in [0, threads) selects per-worker scratch space. */
        void run(int from, int to, int worker);
    }

    // long enough to bridge the gaps between a step's kernels, short enough not to take a core from Kafka's threads
    private static final long SPIN_NANOS = 20_000;
    /** While others finish their chunks, the caller spins this long, then yields its core to them. */
    private static final long JOIN_SPIN_NANOS = 20_000;

    private final int threads;
    private final Worker[] workers;
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
        Job job = new Job(body, n, Math.min(grains, threads * CHUNKS_PER_THREAD));
        for (int w = 0; w < helpers; w++) {
            workers[w].submit(job);
        }
        job.drain(0);
        job.awaitClaimedChunks();
        Throwable err = job.failure.get();
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

    /**
     * One parallelFor: its chunks are claimed from a counter by whichever thread is free. Every claimed chunk is
     * counted as finished, also after a failure (the rest are then skipped), so the caller can wait for exactly
     * the chunks in flight on other threads.
     */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
        }

        /** Runs chunks until none is left to claim; never throws (a failure is kept for the caller). */
        void drain(int worker) {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        body.run(bound(c), bound(c + 1), worker);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        /** After the caller's own drain (so every chunk is claimed): waits for those running on other threads. */
        void awaitClaimedChunks() {
            if (finished.get() == chunks) {
                return;
            }
            long spinUntil = System.nanoTime() + JOIN_SPIN_NANOS;
            while (finished.get() != chunks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield(); // the thread we wait for may be descheduled: let it have this core
                }
            }
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
                job.drain(index);
            }
        }
    }
}
