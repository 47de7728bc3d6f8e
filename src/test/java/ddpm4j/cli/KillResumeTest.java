package ddpm4j.cli;

import ddpm4j.io.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8's interruption test: a training process is killed with SIGKILL five times at random
 * moments (some during checkpoint writes, which happen every other step) and resumed each time;
 * its metrics log must end up bit-identical to that of a run that was never interrupted, for the paper's objective and EDM's.
 */
class KillResumeTest {
    private static final int STEPS = 40;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"simple", "edm"}) // the paper's objective, and EDM's (its noise levels drawn from the same stream)
    void fiveKillsAndResumesGiveTheUninterruptedLossSequence(String objective) throws Exception {
        Path data = dir.resolve("tiny.npy");
        byte[] px = new byte[24 * 8 * 8];
        new Random(3).nextBytes(px);
        Npy.writeBytes(data, new long[] {24, 8, 8}, px);

        Path whole = dir.resolve("whole");
        assertEquals(0, finish(train(data, whole, false, objective)), () -> output(whole));
        List<String> expected = losses(whole);
        assertEquals(STEPS, expected.size());

        Path killed = dir.resolve("killed");
        Random random = new Random(11);
        int kills = 0;
        boolean started = false;
        while (kills < 5) {
            Process run = train(data, killed, started, objective);
            try {
                // wait until the run is a random number of logged steps past its last checkpoint (the first time,
                // past the first checkpoint at step 2), then kill it
                int target = Math.min(STEPS - 1, Math.max(started ? 0 : 3, losses(killed).size() + 1 + random.nextInt(6)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (run.isAlive() && losses(killed).size() < target) {
                    assertTrue(System.nanoTime() < deadline, () -> "no progress in 120 s:\n" + output(killed));
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(30));
                assertTrue(run.isAlive(), () -> "the run ended before it was killed (exit " + run.exitValue() + "):\n" + output(killed));
            } finally {
                run.destroyForcibly(); // SIGKILL
                run.waitFor();
            }
            kills++;
            started = started || Files.isRegularFile(killed.resolve("training_state/latest"));
        }
        assertEquals(0, finish(train(data, killed, started, objective)), () -> output(killed));
        assertEquals(expected, losses(killed));
        long resumes = output(killed).lines().filter(l -> l.startsWith("resuming at step")).count();
        assertTrue(resumes >= 4, "only " + resumes + " of the runs resumed from a checkpoint:\n" + output(killed));
    }

    /** Waits for a run to end (at most 5 minutes) and returns its exit code. */
    private static int finish(Process p) throws InterruptedException {
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run did not finish in 5 minutes");
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    private Process train(Path data, Path out, boolean resume, String objective) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "--data", data.toString(),
                "--out", out.toString(), "--preset", "quick28", "--steps", String.valueOf(STEPS), "--batch-size", "4",
                "--warmup", "5", "--checkpoint-every", "2", "--log-every", "1", "--sample-every", "0",
                "--samples", "1", "--sample-steps", "1", "--threads", "1", "--objective", objective));
        if (resume) {
            cmd.add("--resume");
        }
        Files.createDirectories(out);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve("console.log").toFile())).start();
    }

    /** The loss field of every complete line of the metrics log, as written (so equality is bitwise). */
    static List<String> losses(Path run) throws IOException {
        Path file = run.resolve("metrics.jsonl");
        List<String> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (String line : text.split("\n", -1)) {
            int at = line.indexOf("\"loss\":");
            if (line.endsWith("}") && at >= 0) {
                out.add(line.substring(at, line.indexOf(',', at)));
            }
        }
        return out;
    }

    private static String output(Path run) {
        try {
            return Files.readString(run.resolve("console.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
