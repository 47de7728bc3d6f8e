package ddpm4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's evaluation scores against its training, from its {@code metrics.jsonl}: each score of {@code metric} (e.g.
 * {@code judge_fid}, written by {@code train --eval-every}) with its step and the seconds the run had spent in training
 * steps by then (the log's {@code train_s}: evaluations, checkpoints and sample grids not counted, nor the time a
 * stopped run waited). A score between two logged steps gets the seconds interpolated between them.
 *
 * @param trainSeconds NaN throughout for a run logged before {@code train_s} existed
 * @param batchSize    images per step (its latest checkpoint's), 0 for a run without a checkpoint
 */
public record TrainingCurve(String metric, long[] steps, double[] trainSeconds, double[] scores, int batchSize) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scores of {@code metric} in the run directory {@code run}; an exception if the run has none. */
    public static TrainingCurve read(Path run, String metric) throws IOException {
        Path file = run.resolve(RunOutputs.METRICS);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(run + " holds no " + RunOutputs.METRICS + " (a directory 'train' wrote)");
        }
        List<double[]> timed = new ArrayList<>(); // (step, train_s) of the training lines
        List<double[]> scored = new ArrayList<>(); // (step, score)
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line cut short by a crash
            }
            if (n == null || !n.has("step")) {
                continue;
            }
            if (n.has(RunOutputs.TRAIN_SECONDS)) {
                timed.add(new double[] {n.get("step").asDouble(), n.get(RunOutputs.TRAIN_SECONDS).asDouble()});
            }
            if (n.has(metric) && n.get(metric).isNumber()) {
                scored.add(new double[] {n.get("step").asDouble(), n.get(metric).asDouble()});
            }
        }
        if (scored.isEmpty()) {
            throw new IllegalArgumentException(run + " has no '" + metric + "' scores in " + RunOutputs.METRICS
                    + " (train with --eval-every N to score the run as it trains)");
        }
        long[] steps = new long[scored.size()];
        double[] seconds = new double[scored.size()];
        double[] scores = new double[scored.size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = (long) scored.get(i)[0];
            scores[i] = scored.get(i)[1];
            seconds[i] = secondsAt(timed, steps[i]);
        }
        int batch = 0; // only figure training --x images needs it: a checkpoint that cannot be read leaves it unknown
        if (Checkpoint.exists(run)) {
            try {
                batch = Checkpoint.settings(run).batchSize();
            } catch (IOException e) {
                batch = 0;
            }
        }
        return new TrainingCurve(metric, steps, seconds, scores, batch);
    }

    /** The training seconds at {@code step}, interpolated between the logged steps around it; NaN without them. */
    private static double secondsAt(List<double[]> timed, long step) {
        double[] before = null;
        for (double[] t : timed) {
            if (t[0] == step) {
                return t[1];
            }
            if (t[0] < step) {
                before = t;
            } else {
                return before == null ? t[1] * step / t[0] // before the first line: at the first line's pace
                        : before[1] + (t[1] - before[1]) * (step - before[0]) / (t[0] - before[0]);
            }
        }
        return before == null ? Double.NaN : before[1];
    }

    /** Whether the run logged its training seconds (runs written before {@code train_s} did not). */
    public boolean timed() {
        return trainSeconds.length > 0 && !Double.isNaN(trainSeconds[0]);
    }

    /** The lowest score and its index. */
    public int best() {
        int b = 0;
        for (int i = 1; i < scores.length; i++) {
            b = scores[i] < scores[b] ? i : b;
        }
        return b;
    }
}
