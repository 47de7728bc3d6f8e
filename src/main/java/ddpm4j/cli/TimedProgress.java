package ddpm4j.cli;

import ddpm4j.train.Trainer;

/** Progress of a time-boxed run: elapsed against the budget, with the loss and speed. */
final class TimedProgress implements Trainer.Listener, AutoCloseable {
    private final long deadline;
    private final long start = System.nanoTime();
    private final Progress bar;
    private long shown;

    TimedProgress(long deadline) {
        this.deadline = deadline;
        this.bar = new Progress("train (seconds)", Math.max(1, (deadline - start) / 1_000_000_000L));
    }

    @Override
    public void stepped(Trainer.Step s) {
        long elapsed = Math.min((System.nanoTime() - start) / 1_000_000_000L, (deadline - start) / 1_000_000_000L);
        if (elapsed > shown) {
            bar.step(elapsed - shown);
            shown = elapsed;
        }
        if (s.step() % 200 == 0) {
            System.err.printf("step %d  loss %.4f  %.0f img/s%n", s.step(), s.loss(), s.imagesPerSecond());
        }
    }

    @Override
    public void close() {
        bar.close();
    }
}
