package io.streamformer.app.cli;

import io.streamformer.accelerator.models.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work on stderr: a progress bar on a terminal, nothing when stderr is not one (logs and
 * CI stay clean; the caller reports the outcome).
 */
public final class ProgressReporter implements ProgressListener, AutoCloseable {
    private final String task;
    private final String unit;
    private ProgressBar bar;

    private ProgressReporter(String task, String unit) {
        this.task = task;
        this.unit = unit;
    }

    public static ProgressReporter start(String task, String unit) {
        return new ProgressReporter(task, unit);
    }

    private static boolean interactive() {
        return System.console() != null && System.getenv("CI") == null;
    }

    @Override
    public void progress(long done, long total, String what) {
        if (!interactive()) {
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.ASCII).continuousUpdate().setUpdateIntervalMillis(100).build();
        }
        bar.maxHint(total);
        bar.stepTo(done);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
