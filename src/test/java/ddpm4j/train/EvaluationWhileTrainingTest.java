package ddpm4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.data.ImageSet;
import ddpm4j.io.FloatArray;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Weights;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval_every} and {@code keep_best}: the judge FID of the EMA weights logged every few steps, the best weights kept
 * as the model directory, and a resumed run scoring what an uninterrupted one scores.
 */
class EvaluationWhileTrainingTest {
    @TempDir
    Path dir;

    /** A small U-Net for 28×28 gray images, which the built-in judge scores. */
    static final UNetConfig ARCH = UNetConfig.ddpm(28, 1, 32, new int[] {1, 2}, 1, List.of(), 0.0);

    static ImageSet images() throws Exception {
        return QuickstartRecipe.dataset().limit(256);
    }

    static TrainSettings settings(long steps) {
        return TrainSettings.builder().lr(1e-3).warmup(0).emaDecay(0.9).batchSize(8).steps(steps).seed(3).hflip(false)
                .checkpointEvery(5).sampleEvery(0).sampleCount(4).sampleSteps(2).logEvery(1).labelDropout(0.0)
                .evalEvery(4).evalImages(24).keepBest(true).build();
    }

    /** Every evaluation's (step, score) in a run's metrics log. */
    static List<double[]> scores(Path run) throws Exception {
        List<double[]> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.has("judge_fid")) {
                out.add(new double[] {n.get("step").asDouble(), n.get("judge_fid").asDouble()});
            }
        }
        return out;
    }

    @Test
    void theBestScoringWeightsAreTheModelDirectoryAndAResumedRunScoresTheSame() throws Exception {
        SchedulerConfig process = SchedulerConfig.paper();
        Path whole = dir.resolve("whole");
        Map<Long, Map<String, FloatArray>> emaAt = new HashMap<>();
        Checkpoint.Best best;
        try (Trainer t = Trainer.start(whole, ARCH, process, settings(12), images())) {
            t.run(new Trainer.Listener() {
                @Override
                public void note(String message) {
                    if (message.startsWith("judge_fid")) { // told right after an evaluation: the weights it scored
                        emaAt.put(t.step(), Weights.of(t.emaModel()));
                    }
                }
            });
            best = t.best();
        }
        List<double[]> logged = scores(whole);
        assertEquals(3, logged.size(), "evaluations at steps 4, 8 and 12, none at the checkpoints of 5 and 10");
        double lowest = Double.MAX_VALUE;
        for (double[] s : logged) {
            assertTrue(Double.isFinite(s[1]) && s[1] > 0, "judge FID " + s[1]);
            lowest = Math.min(lowest, s[1]);
        }
        assertEquals(lowest, best.score());
        try (Model m = ModelDirectory.load(whole)) { // the model directory holds the weights of the best step
            Map<String, FloatArray> kept = Weights.of(m.unet());
            Map<String, FloatArray> expected = emaAt.get(best.step());
            for (String k : expected.keySet()) {
                assertArrayEquals(expected.get(k).data(), kept.get(k).data(), k);
            }
        }
        // a run of 10 steps (checkpoints at 5 and 10, evaluations at 4 and 8) resumed to 12: the same scores and best
        Path cut = dir.resolve("cut");
        try (Trainer t = Trainer.start(cut, ARCH, process, settings(10), images())) {
            t.run(new Trainer.Listener() { });
        }
        try (Trainer t = Trainer.resume(cut, images(), new TrainSettings.Changes(12L, null, null, null, null))) {
            t.run(new Trainer.Listener() { });
            assertEquals(best, t.best());
        }
        List<double[]> resumed = scores(cut);
        assertEquals(logged.size(), resumed.size());
        for (int i = 0; i < logged.size(); i++) {
            assertArrayEquals(logged.get(i), resumed.get(i), 0.0, "evaluation " + i);
        }
    }

    @Test
    void keepingTheBestNeedsEvaluationsAndTheJudgeItsImageSize() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> settings(4).toBuilder().evalEvery(0).build());
        assertThrows(IllegalArgumentException.class, () -> settings(4).toBuilder().evalFeatures("lpips").build());
        // the judge scores 28×28 gray images; 8×8 ones need Inception
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.start(dir.resolve("small"),
                TrainerTest.ARCH, TrainerTest.PROCESS, TrainerTest.settings(4).toBuilder().evalEvery(2).build(), TrainerTest.images()));
        assertTrue(e.getMessage().contains("inception"), e.getMessage());
    }
}
