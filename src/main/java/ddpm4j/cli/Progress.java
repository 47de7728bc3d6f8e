package ddpm4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * A progress bar on stderr: animated on a terminal, plain lines at every tenth otherwise (logs,
 * CI, pipes).
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream plain;
    private final String task;
    private final long total;
    private final long started = System.nanoTime();
    private long done;
    private int lastTenth;

    Progress(String task, long total) {
        this(task, total, true);
    }

    private Progress(String task, long total, boolean shown) {
        this.task = task;
        this.total = Math.max(total, 1);
        if (!shown) {
            bar = null;
            plain = null;
        } else if (System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).showSpeed().build();
            plain = null;
        } else {
            bar = null;
            plain = System.err;
        }
    }

    /** A bar on rank 0 of {@code group}, nothing on the others. */
    static Progress forRank(ddpm4j.dist.Group group, String task, long total) {
        return new Progress(task, total, group.isMain());
    }

    void step(long n) {
        n = Math.min(n, total - done); // a rank's estimate of the others' share may overshoot
        done += n;
        if (plain == null && bar == null) {
            return;
        }
        if (bar != null) {
            bar.stepBy(n);
            return;
        }
        int tenth = (int) (10 * done / total);
        if (tenth > lastTenth || done == total) {
            lastTenth = tenth;
            double secs = (System.nanoTime() - started) / 1e9;
            plain.printf("%s: %d/%d (%d%%) %.1fs%n", task, done, total, 100 * done / total, secs);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
