package ddpm4j.cli;

import ddpm4j.io.FloatArray;
import ddpm4j.io.Npy;
import ddpm4j.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21's checks through the command a user types: {@code ddpm4j launch --nproc 2} on 127.0.0.1 against
 * one process with the threads of one rank. Every process is a child of the test and is killed if it outlives it.
 */
class DistributedRunTest {
    private static final int STEPS = 30;
    /** Losses of two ranks against one process: float32 sums in another order. */
    private static final double TOLERANCE = 1e-6;

    @TempDir
    static Path dir;
    static Path data;
    static Path single;
    static Path micro;
    static Path ranks;

    @BeforeAll
    static void train() throws Exception {
        data = dir.resolve("tiny.npy");
        byte[] px = new byte[24 * 8 * 8];
        new Random(5).nextBytes(px);
        Npy.writeBytes(data, new long[] {24, 8, 8}, px);
        single = dir.resolve("single");
        micro = dir.resolve("micro");
        ranks = dir.resolve("ranks");
        assertEquals(0, finish(run(single, trainArgs(single, false))), () -> console(single));
        assertEquals(0, finish(run(micro, with(trainArgs(micro, false), "--micro-batches", "2"))), () -> console(micro));
        assertEquals(0, finish(run(ranks, launch(trainArgs(ranks, false)))), () -> console(ranks));
    }

    @Test
    void twoRanksTrainAsOneProcessAtTheSameGlobalBatch() throws Exception {
        List<Double> one = losses(single);
        List<Double> two = losses(ranks);
        assertEquals(STEPS, one.size());
        assertEquals(one.size(), two.size());
        for (int i = 0; i < one.size(); i++) { // the gradient sums in another order
            assertEquals(one.get(i), two.get(i), TOLERANCE * Math.abs(one.get(i)), "loss of step " + (i + 1));
        }
        assertTrue(console(ranks).contains("over 2 ranks"), console(ranks));
    }

    @Test
    void twoRanksAreBitwiseOneProcessAccumulatingTwoMicroBatches() throws Exception {
        assertEquals(lossText(micro), lossText(ranks));
        for (String file : List.of("weights", "ema", "optimizer")) {
            Map<String, FloatArray> a = Safetensors.read(state(micro).resolve(file + ".safetensors"));
            Map<String, FloatArray> b = Safetensors.read(state(ranks).resolve(file + ".safetensors"));
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).data(), b.get(k).data(), file + " " + k);
            }
        }
    }

    @Test
    void shardedSamplingAndBitsPerDimEqualOneProcessBitForBit() throws Exception {
        Path out = dir.resolve("sample");
        Files.createDirectories(out);
        List<String> sample = List.of("sample", "--model", single.toString(), "--n", "10", "--batch-size", "3", "--steps", "4",
                "--precision", "fp32", "--raw");
        assertEquals(0, finish(run(out, with(sample, "--out", out.resolve("one.npy").toString(), "--threads", "1"))), () -> console(out));
        assertEquals(0, finish(run(out, launch(with(sample, "--out", out.resolve("two.npy").toString())))), () -> console(out));
        assertArrayEquals(Files.readAllBytes(out.resolve("one.npy")), Files.readAllBytes(out.resolve("two.npy")));

        List<String> bpd = List.of("eval", "bpd", "--model", single.toString(), "--data", data.toString(), "--limit", "5",
                "--batch-size", "2", "--precision", "fp32");
        assertEquals(0, finish(run(out, with(bpd, "--json", out.resolve("one.json").toString(), "--threads", "1"))), () -> console(out));
        assertEquals(0, finish(run(out, launch(with(bpd, "--json", out.resolve("two.json").toString())))), () -> console(out));
        assertArrayEquals(Files.readAllBytes(out.resolve("one.json")), Files.readAllBytes(out.resolve("two.json")));
    }

    @Test
    void featureStatisticsGatheredFromRanksAreOneProcesssExactly() throws Exception {
        Path out = dir.resolve("stats");
        Files.createDirectories(out);
        Path images = out.resolve("g28.npy");
        byte[] px = new byte[600 * 28 * 28];
        new Random(9).nextBytes(px);
        Npy.writeBytes(images, new long[] {600, 28, 28}, px); // three of the judge's batches of 256
        List<String> stats = List.of("eval", "stats", "--data", images.toString());
        assertEquals(0, finish(run(out, with(stats, "--out", out.resolve("one.npz").toString()))), () -> console(out));
        assertEquals(0, finish(run(out, launch(with(stats, "--out", out.resolve("two.npz").toString())))), () -> console(out));
        Map<String, Npy.Array> one = ddpm4j.io.Npz.read(out.resolve("one.npz"));
        Map<String, Npy.Array> two = ddpm4j.io.Npz.read(out.resolve("two.npz"));
        assertEquals(one.keySet(), two.keySet());
        for (String k : one.keySet()) {
            assertArrayEquals(one.get(k).toDoubles(), two.get(k).toDoubles(), k);
        }
    }

    @Test
    void aKilledRankStopsTheRunAndResumingReproducesIt() throws Exception {
        Path killed = dir.resolve("killed");
        Process launcher = run(killed, launch(trainArgs(killed, false)));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (launcher.isAlive() && losses(killed).size() < 7) {
                assertTrue(System.nanoTime() < deadline, () -> "no progress in 120 s:\n" + console(killed));
                Thread.sleep(5);
            }
            ProcessHandle rank1 = rank(launcher, 1).orElseThrow(() -> new AssertionError("no rank 1 among the launcher's children"));
            rank1.destroyForcibly(); // SIGKILL
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not stop within 60 s of the kill");
            assertNotEquals(0, launcher.exitValue());
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
        assertTrue(console(killed).contains("rank 1 was killed by signal 9 (SIGKILL)"), console(killed));
        assertTrue(losses(killed).size() < STEPS, "the run finished before the kill");
        assertEquals(0, finish(run(killed, launch(trainArgs(killed, true)))), () -> console(killed));
        assertTrue(console(killed).contains("resuming at step"), console(killed));
        assertEquals(lossText(ranks), lossText(killed));
    }

    @Test
    void launchRefusesACommandThatWouldRunNTimesOver() throws Exception {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("launch", "--nproc", "2", "figure", "progressive", "--out", dir.resolve("x.png").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        assertEquals("ddpm4j: launch runs distill, eval bpd, eval fid, eval is, eval stats, sample, train; 'figure progressive' runs in one process\n",
                err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.notExists(dir.resolve("x.png")));
    }

    private static Optional<ProcessHandle> rank(Process launcher, int rank) {
        return launcher.children().filter(p -> {
            try {
                String env = Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ"), StandardCharsets.ISO_8859_1);
                return List.of(env.split("\0")).contains("RANK=" + rank);
            } catch (IOException e) {
                return false;
            }
        }).findFirst();
    }

    private static List<String> trainArgs(Path out, boolean resume) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(), "--preset", "quick28",
                "--steps", Integer.toString(STEPS), "--batch-size", "4", "--warmup", "5", "--checkpoint-every", "2", "--log-every", "1",
                "--sample-every", "0", "--samples", "2", "--sample-steps", "1", "--precision", "fp32", "--loss-aware", "--timesteps", "100"));
        if (resume) {
            a.add("--resume");
        }
        return a;
    }

    private static List<String> launch(List<String> command) {
        return with(List.of("launch", "--nproc", "2"), command.toArray(new String[0]));
    }

    private static List<String> with(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }

    /** A single process gets the threads of one of two ranks, so both compute with the same kernels. */
    private static Process run(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        if (!args.get(0).equals("launch") && !args.contains("--threads")) {
            cmd.addAll(List.of("--threads", "1"));
        }
        Files.createDirectories(log);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolve("console.log").toFile())).start();
    }

    private static int finish(Process p) throws InterruptedException {
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run did not finish in 5 minutes");
            return p.exitValue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static Path state(Path run) throws IOException {
        return run.resolve("training_state").resolve(Files.readString(run.resolve("training_state/latest")).trim());
    }

    private static List<Double> losses(Path run) throws IOException {
        return lossText(run).stream().map(s -> Double.parseDouble(s.substring("\"loss\":".length()))).toList();
    }

    /** The loss field of every complete line of the metrics log, as written. */
    private static List<String> lossText(Path run) throws IOException {
        return KillResumeTest.losses(run);
    }

    private static String console(Path run) {
        try {
            return Files.readString(run.resolve("console.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
