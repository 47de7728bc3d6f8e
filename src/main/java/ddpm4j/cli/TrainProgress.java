package ddpm4j.cli;

import ddpm4j.train.Trainer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Training progress on stderr: a bar with loss and speed on a terminal, a line every few seconds otherwise. */
final class TrainProgress implements Trainer.Listener, AutoCloseable {
    private final long total;
    private ProgressBar bar;
    private long first;
    private long started;
    private long lastLine;

    TrainProgress(long total) {
        this.total = total;
    }

    @Override
    public void started(long firstStep, long totalSteps) {
        first = firstStep;
        started = System.nanoTime();
        if (System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).build();
            bar.stepTo(firstStep);
        }
    }

    @Override
    public void stepped(Trainer.Step s) {
        String extra = String.format("loss %.4f, %.1f img/s", s.loss(), s.imagesPerSecond());
        if (bar != null) {
            bar.stepTo(s.step());
            bar.setExtraMessage(extra);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLine > 10_000_000_000L || s.step() == total) {
            lastLine = now;
            double secs = (now - started) / 1e9;
            double rate = (s.step() - first) / Math.max(secs, 1e-9);
            long eta = rate > 0 ? (long) ((total - s.step()) / rate) : 0;
            System.err.printf("step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.1f img/s  ETA %dm%02ds%n", s.step(), total,
                    s.loss(), s.lr(), s.gradNorm(), s.imagesPerSecond(), eta / 60, eta % 60);
        }
    }

    @Override
    public void note(String message) {
        if (bar == null) {
            System.err.println(message);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
