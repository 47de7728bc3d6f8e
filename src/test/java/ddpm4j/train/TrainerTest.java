package ddpm4j.train;

import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.LossType;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    Path dir;

    static final UNetConfig ARCH = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.1);
    static final SchedulerConfig PROCESS = SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.LINEAR, 100, ddpm4j.schedule.VarianceType.FIXED_LARGE, ddpm4j.schedule.Prediction.EPSILON);

    /** 16 tiny 8×8 images: bright squares at random places. */
    static ImageSet images() {
        Random r = new Random(1);
        byte[] px = new byte[16 * 64];
        for (int i = 0; i < 16; i++) {
            int x = r.nextInt(5);
            int y = r.nextInt(5);
            for (int dy = 0; dy < 3; dy++) {
                for (int dx = 0; dx < 3; dx++) {
                    px[i * 64 + (y + dy) * 8 + x + dx] = (byte) 255;
                }
            }
        }
        return new ImageSet(px, 16, 8, 8, 1);
    }

    static TrainSettings settings(long steps) {
        return TrainSettings.builder().lr(2e-3).warmup(0).emaDecay(0.99).emaWarmup(true).batchSize(8).steps(steps).seed(7)
                .checkpointEvery(10).sampleEvery(0).sampleCount(4).sampleSteps(5).logEvery(1).labelDropout(0.0).build();
    }

    /** Records every step's loss. */
    static final class Losses implements Trainer.Listener {
        final List<Double> values = new ArrayList<>();
        final List<Double> rates = new ArrayList<>();

        @Override
        public void stepped(Trainer.Step s) {
            values.add(s.loss());
            rates.add(s.lr());
        }
    }

    @Test
    void trainingLowersTheLossAndWritesAModelDirectory() throws Exception {
        Path out = dir.resolve("run");
        ImageSet data = images();
        double before;
        double after;
        try (Trainer t = Trainer.start(out, ARCH, PROCESS, settings(60), data)) {
            before = fixedLoss(t);
            t.run(new Losses());
            after = fixedLoss(t);
        }
        assertTrue(after < 0.7 * before, "loss on a fixed batch " + before + " -> " + after);
        assertTrue(Files.isRegularFile(out.resolve("loss.png")));
        assertTrue(Files.isRegularFile(out.resolve("samples").resolve("step-000000060.png")));
        assertEquals(60, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        try (Model m = ModelDirectory.load(out)) {
            assertEquals(ARCH, m.unet().config());
            assertEquals(100, m.scheduler().numTrainTimesteps());
        }
    }

    @Test
    void edmTrainingLowersItsLossAndWritesAnEdmModelDirectory() throws Exception {
        Path out = dir.resolve("edm");
        SchedulerConfig process = SchedulerConfig.edm(ddpm4j.schedule.EdmProcess.defaults().withSigmaData(0.6), ddpm4j.schedule.Prediction.EPSILON);
        double before;
        double after;
        try (Trainer t = Trainer.start(out, ARCH, process, settings(60).toBuilder().objective("edm").build(), images())) {
            before = fixedEdmLoss(t, process);
            t.run(new Losses());
            after = fixedEdmLoss(t, process);
        }
        assertTrue(after < 0.7 * before, "EDM loss on a fixed batch " + before + " -> " + after);
        try (Model m = ModelDirectory.load(out)) {
            assertEquals("EDMEulerScheduler", m.scheduler().className());
            assertEquals(0.6, m.scheduler().edm().sigmaData());
            assertTrue(Files.isRegularFile(out.resolve("samples").resolve("step-000000060.png"))); // drawn by EDM's Heun
        }
        // an EDM objective needs an EDM process and the reverse
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Trainer.start(dir.resolve("x"), ARCH, PROCESS, settings(2).toBuilder().objective("edm").build(), images()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Trainer.start(dir.resolve("y"), ARCH, process, settings(2), images()));
        // a new run never overwrites one: the directory's run is resumed instead
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Trainer.start(out, ARCH, process, settings(2), images()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> settings(2).toBuilder().objective("edm")
                .minSnrGamma(5.0).build());
    }

    /** EDM's loss of the raw weights on a fixed batch, σ's and noise. */
    static double fixedEdmLoss(Trainer t, SchedulerConfig process) {
        Tensor x0 = Tensors.fromFloats(images().modelSpace(0, 16), 16, 1, 8, 8);
        Tensor noise = ddpm4j.sample.NoiseSourceAccess.noise(3, 16, 1, 8, 8);
        double[] sigma = new double[16];
        for (int i = 0; i < 16; i++) {
            sigma[i] = Math.exp(-2.5 + 0.3 * i); // 0.08 … 7.4
        }
        var model = t.rawModel();
        model.train(false);
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            double v = ddpm4j.diffusion.EdmPreconditioning.of(process).trainingLoss(model::forward, x0, sigma, noise).mean().item_float();
            model.train(true);
            return v;
        }
    }

    /** L_simple of the raw weights on a fixed batch, t and noise. */
    static double fixedLoss(Trainer t) {
        ImageSet data = images();
        GaussianDiffusion d = GaussianDiffusion.of(PROCESS);
        Tensor x0 = Tensors.fromFloats(data.modelSpace(0, 16), 16, 1, 8, 8);
        Tensor noise = ddpm4j.sample.NoiseSourceAccess.noise(3, 16, 1, 8, 8);
        int[] ts = new int[16];
        for (int i = 0; i < 16; i++) {
            ts[i] = 6 * i;
        }
        var model = t.rawModel();
        model.train(false);
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            double v = d.trainingLoss(model::forward, x0, ts, noise, LossType.SIMPLE, null).mean().item_float();
            model.train(true);
            return v;
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"simple", "edm"})
    void resumingContinuesTheSameLossSequence(String objective) throws Exception {
        boolean edm = objective.equals("edm");
        SchedulerConfig process = edm ? SchedulerConfig.edm(ddpm4j.schedule.EdmProcess.defaults(), ddpm4j.schedule.Prediction.EPSILON) : PROCESS;
        TrainSettings settings = settings(24).toBuilder().objective(objective).build();
        Losses whole = new Losses();
        try (Trainer t = Trainer.start(dir.resolve("whole"), ARCH, process, settings, images())) {
            t.run(whole);
        }
        Path out = dir.resolve("interrupted");
        Losses first = new Losses();
        try (Trainer t = Trainer.start(out, ARCH, process, settings, images())) {
            while (t.step() < 13) { // interrupted after a checkpoint at 10 and three more steps
                first.stepped(t.trainStep());
                if (t.step() == 10) {
                    t.checkpoint();
                }
            }
        }
        Losses rest = new Losses();
        try (Trainer t = Trainer.resume(out, images(), null)) {
            assertEquals(10, t.step());
            assertEquals(objective, t.settings().objective(), "the run's own objective");
            assertEquals(24, t.settings().steps(), "the run's own settings");
            t.run(rest);
        }
        List<Double> resumed = new ArrayList<>(first.values.subList(0, 10));
        resumed.addAll(rest.values);
        assertEquals(whole.values.size(), resumed.size());
        for (int i = 0; i < resumed.size(); i++) {
            assertEquals(whole.values.get(i), resumed.get(i), 1e-6 * Math.abs(whole.values.get(i)), "step " + (i + 1));
        }
        // steps 11–13 of the interrupted run were redone identically
        for (int i = 10; i < 13; i++) {
            assertEquals(first.values.get(i), resumed.get(i), 1e-6 * Math.abs(first.values.get(i)));
        }
    }

    /** A checkpoint at step 10 splits the interval 9–12 of a metrics line every 4 steps: the resumed run logs its mean all the same. */
    @Test
    void aResumedRunLogsTheSameMeansAsAnUninterruptedOne() throws Exception {
        TrainSettings every4 = settings(16).toBuilder().logEvery(4).build();
        try (Trainer t = Trainer.start(dir.resolve("whole"), ARCH, PROCESS, every4, images())) {
            t.run(new Losses());
        }
        Path out = dir.resolve("interrupted");
        try (Trainer t = Trainer.start(out, ARCH, PROCESS, every4, images())) {
            t.run(new Trainer.Listener() {
                @Override
                public void stepped(Trainer.Step s) {
                    if (s.step() == 11) {
                        throw new IllegalStateException("killed");
                    }
                }
            });
        } catch (IllegalStateException expected) {
            // stopped after the checkpoint at step 10, before the line of step 12
        }
        try (Trainer t = Trainer.resume(out, images(), null)) {
            assertEquals(10, t.step());
            t.run(new Losses());
        }
        assertEquals(loggedLosses(dir.resolve("whole")), loggedLosses(out));
        assertEquals(4, loggedLosses(out).size());
        // the time in training steps goes on from the kept line of step 8: steps 9 and 10 are counted once, in the resumed run
        List<Double> seconds = logged(out, "train_s");
        assertEquals(4, seconds.size());
        for (int i = 0; i < seconds.size(); i++) {
            assertTrue(seconds.get(i) > (i == 0 ? 0 : seconds.get(i - 1)), "train_s " + seconds);
        }
    }

    /** The values of {@code key} in the metrics lines, in order. */
    private static List<Double> logged(Path run, String key) throws Exception {
        List<Double> values = new ArrayList<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var n = json.readTree(line);
            if (n.has(key)) {
                values.add(n.get(key).asDouble());
            }
        }
        return values;
    }

    /** step → loss of each metrics line. */
    private static java.util.Map<Long, Double> loggedLosses(Path run) throws Exception {
        java.util.Map<Long, Double> m = new java.util.TreeMap<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var n = json.readTree(line);
            m.put(n.get("step").asLong(), n.get("loss").asDouble());
        }
        return m;
    }

    @Test
    void resumeTakesANewDecayAndReadsOlderSettingsWithoutOne() throws Exception {
        Path out = dir.resolve("decay");
        try (Trainer t = Trainer.start(out, ARCH, PROCESS, settings(4), images())) {
            t.run(new Losses());
        }
        // a run saved before --lr-decay existed has no lrDecay in its settings.json
        try (var files = Files.walk(out.resolve(Checkpoint.DIR))) {
            for (Path p : files.filter(p -> p.getFileName().toString().equals("settings.json")).toList()) {
                String json = Files.readString(p);
                assertTrue(json.contains("\"lrDecay\""), json);
                Files.writeString(p, json.replaceAll("\"lrDecay\"\\s*:\\s*0\\s*,", ""));
                assertFalse(Files.readString(p).contains("lrDecay"));
            }
        }
        assertEquals(0, Checkpoint.load(out).settings().lrDecay());
        Losses rest = new Losses();
        try (Trainer t = Trainer.resume(out, images(), new TrainSettings.Changes(8L, 3L, null, null, null))) {
            t.run(rest);
        }
        double lr = settings(1).lr();
        double[] expected = {lr, lr, lr * 2 / 3, lr / 3}; // steps 5–8 of 8, the last 3 decaying
        assertEquals(expected.length, rest.rates.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], rest.rates.get(i), 1e-12 * lr, "step " + (i + 5));
        }
    }

    @Test
    void checkpointRoundTripRestoresTheState() throws Exception {
        Path out = dir.resolve("ckpt");
        try (Trainer t = Trainer.start(out, ARCH, PROCESS, settings(5), images())) {
            t.run(new Losses());
            Checkpoint.State s = Checkpoint.load(out);
            assertEquals(5, s.step());
            assertEquals(t.settings(), s.settings());
            try (Trainer back = Trainer.resume(out, images(), null)) {
                for (var e : t.rawModel().stateDict().entrySet()) {
                    assertArrayEquals(Tensors.toFloats(e.getValue()), Tensors.toFloats(back.rawModel().stateDict().get(e.getKey())), e.getKey());
                }
                for (var e : t.emaModel().stateDict().entrySet()) {
                    assertArrayEquals(Tensors.toFloats(e.getValue()), Tensors.toFloats(back.emaModel().stateDict().get(e.getKey())), e.getKey());
                }
                assertArrayEquals(s.optimizer().get("v.conv_in.weight").data(), back.optimizerState().get("v.conv_in.weight").data());
            }
        }
        try (var files = Files.list(out.resolve(Checkpoint.DIR))) {
            assertEquals(List.of("latest", "step-000000005"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "only the newest checkpoint is kept, no temporary folders");
        }
    }

    @Test
    void nonFiniteLossesAreSkippedThenStopTheRunKeepingTheLastCheckpoint() throws Exception {
        Path out = dir.resolve("nan");
        // a learning rate of 1e38 blows the weights up after the first update
        TrainSettings wild = settings(100).toBuilder().lr(1e38).gradClip(0).emaWarmup(false).checkpointEvery(1).build();
        List<String> notes = new ArrayList<>();
        try (Trainer t = Trainer.start(out, ARCH, PROCESS, wild, images())) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> t.run(new Trainer.Listener() {
                        @Override
                        public void note(String message) {
                            notes.add(message);
                        }
                    }));
            assertTrue(e.getMessage().contains("non-finite losses in a row"), e.getMessage());
        }
        assertEquals(Trainer.MAX_NON_FINITE, notes.stream().filter(n -> n.contains("non-finite")).count(), notes.toString());
        // skipped steps make no update and no checkpoint: the last one is the last completed update
        assertEquals(1, Checkpoint.load(out).step());
    }
}
