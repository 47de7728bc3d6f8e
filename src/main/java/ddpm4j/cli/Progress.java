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
        this.task = task;
        this.total = Math.max(total, 1);
        if (System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).showSpeed().build();
            plain = null;
        } else {
            bar = null;
            plain = System.err;
        }
    }

    void step(long n) {
        done += n;
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
