package ddpm4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.io.AtomicFiles;
import ddpm4j.io.Images;
import ddpm4j.io.LinePlot;
import ddpm4j.io.ProcessMemory;
import ddpm4j.io.tensorboard.SummaryWriter;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.sample.Conditioning;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.StepListener;
import ddpm4j.sample.TracedSampler;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run writes besides checkpoints: {@code metrics.jsonl} (one JSON line per logged step),
 * {@code samples/step-N.png} grids from the EMA weights, {@code loss.png}, and unless turned off the
 * same numbers and grids as TensorBoard event files in {@code logs/}.
 */
final class RunOutputs implements AutoCloseable {
    static final String METRICS = "metrics.jsonl";
    /** The metrics lines' key of the seconds spent in training steps up to the line's step. */
    static final String TRAIN_SECONDS = "train_s";
    /** The folder of the TensorBoard event files. */
    static final String LOGS = "logs";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path out;
    private final TrainSettings settings;
    private final List<double[]> curve = new ArrayList<>();
    private BufferedWriter metrics;
    private SummaryWriter events;
    private double lossSum;
    private int lossCount;
    /** Seconds spent in training steps so far (not in evaluations, checkpoints or sample grids), as the log's "train_s". */
    private double trainSeconds;

    RunOutputs(Path out, TrainSettings settings) {
        this.out = out;
        this.settings = settings;
    }

    /** Opens the metrics log, keeping only lines up to {@code step} (those of a resumed checkpoint). */
    void open(long step) throws IOException {
        Files.createDirectories(out);
        Path file = out.resolve(METRICS);
        List<String> kept = new ArrayList<>();
        double lastLogged = 0;
        if (step > 0 && Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.has("step") && n.get("step").asLong() <= step) {
                        kept.add(line);
                        if (n.has("loss")) { // not an evaluation's line
                            curve.add(new double[] {n.get("step").asDouble(), n.get("loss").asDouble()});
                            lastLogged = n.has(TRAIN_SECONDS) ? n.get(TRAIN_SECONDS).asDouble() : lastLogged;
                        }
                    }
                } catch (IOException e) {
                    // a line cut short by a crash: dropped
                }
            }
        }
        if (Double.isNaN(trainSeconds)) { // short by the steps between that line and the checkpoint
            trainSeconds = lastLogged;
        }
        AtomicFiles.write(file, String.join("", kept.stream().map(l -> l + "\n").toList()).getBytes(StandardCharsets.UTF_8));
        metrics = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        if (settings.tensorboard()) {
            events = SummaryWriter.open(out.resolve(LOGS), step);
        }
    }

    private Trainer.Step last;

    /** The losses recorded since the last metrics line, for a checkpoint. */
    Checkpoint.PendingLosses pending() {
        return new Checkpoint.PendingLosses(lossSum, lossCount, trainSeconds);
    }

    /** Continues the running mean of a checkpoint, so that the next line covers the same steps as without the stop. */
    void continueFrom(Checkpoint.PendingLosses p) {
        lossSum = p.sum();
        lossCount = p.count();
        trainSeconds = p.trainSeconds(); // NaN from an older checkpoint: open() takes the last kept line's
    }

    /** Adds a step to the running mean; writes a line every logEvery steps. */
    void record(Trainer.Step s) throws IOException {
        lossSum += s.loss();
        lossCount++;
        trainSeconds += settings.batchSize() / s.imagesPerSecond(); // the step's own duration
        last = s;
        if (s.step() % settings.logEvery() != 0 && s.step() != settings.steps()) {
            return;
        }
        write(s);
    }

    /** An evaluation's line: {"step": N, NAME: score, "eval_images": n, "eval_features": ...}, and the score in TensorBoard. */
    void recordScore(long step, String name, double score) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.put("step", step);
        line.put(name, score);
        line.put("eval_images", settings.evalImages());
        line.put("eval_features", settings.evalFeatures());
        line.put("time", java.time.Instant.now().toString());
        metrics.write(JSON.writeValueAsString(line));
        metrics.newLine();
        metrics.flush();
        if (events != null) {
            events.addScalars(Map.of(name, score), step);
        }
    }

    /** Writes the pending mean if steps since the last line are not logged yet. */
    void flush(long step) throws IOException {
        if (lossCount > 0 && last != null && last.step() == step) {
            write(last);
        }
    }

    private void write(Trainer.Step s) throws IOException {
        double mean = lossSum / lossCount;
        lossSum = 0;
        lossCount = 0;
        ObjectNode line = JSON.createObjectNode();
        line.put("step", s.step());
        line.put("loss", mean);
        line.put("lr", s.lr());
        line.put("grad_norm", s.gradNorm());
        line.put("img_per_s", s.imagesPerSecond());
        line.put(TRAIN_SECONDS, trainSeconds);
        if (s.communicationSeconds() > 0) { // a distributed run: the last step's time in collectives
            line.put("allreduce_s", s.communicationSeconds());
        }
        line.put("time", java.time.Instant.now().toString());
        ProcessMemory.residentMb().ifPresent(mb -> line.put("rss_mb", Math.round(mb)));
        line.put("heap_mb", Math.round(ProcessMemory.heapUsedMb()));
        line.put("heap_committed_mb", Math.round(ProcessMemory.heapCommittedMb()));
        metrics.write(JSON.writeValueAsString(line));
        metrics.newLine();
        metrics.flush();
        curve.add(new double[] {s.step(), mean});
        if (events != null) { // the line's numbers, under the line's names
            Map<String, Double> scalars = new LinkedHashMap<>();
            line.fields().forEachRemaining(f -> {
                if (f.getValue().isNumber() && !f.getKey().equals("step")) {
                    scalars.put(f.getKey(), f.getValue().asDouble());
                }
            });
            events.addScalars(scalars, s.step());
        }
    }

    /** A grid of DDIM samples from the EMA weights, with a fixed seed so grids are comparable. */
    void sampleGrid(UNet2DModel ema, SchedulerConfig process, long step) throws IOException {
        int n = settings.sampleCount();
        int c = ema.config().inChannels();
        int s = ema.config().sampleSize();
        float[] values;
        try (PointerScope scope = new PointerScope()) {
            NoiseSource noise = new NoiseSource(settings.seed(), 0, n, c, s, s);
            TracedSampler sampler = Samplers.preview(process, settings.sampleSteps());
            Denoiser net = ema::infer;
            if (ema.config().classConditional()) {
                net = Conditioning.everyClass(ema.config().nullLabel(), 1.0).bind(ema::infer, c, 0); // the grid cycles through the classes
            }
            values = Tensors.toFloats(sampler.sample(net, noise.next(ema.device()), noise, StepListener.NONE));
        }
        byte[] images = Images.toUint8Nhwc(values, n, c, s, s);
        Path file = out.resolve("samples").resolve(String.format("step-%09d.png", step));
        java.awt.image.BufferedImage grid = Images.grid(images, n, s, s, c, 1);
        Images.writePng(file, grid);
        if (events != null) { // the PNG as written, not encoded a second time
            events.addImage("samples", Files.readAllBytes(file), grid.getHeight(), grid.getWidth(),
                    grid.getColorModel().getNumComponents(), step);
        }
    }

    /** loss.png: the logged mean loss against the step, log scale. */
    void lossPlot() throws IOException {
        if (curve.size() < 2) {
            return;
        }
        double[] x = new double[curve.size()];
        double[] y = new double[curve.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = curve.get(i)[0];
            y[i] = Math.max(curve.get(i)[1], 1e-12);
        }
        java.awt.image.BufferedImage plot = new LinePlot("step", "loss", 800, 500).withTitle("training loss (" + settings.objective() + ")")
                .withLogY().draw(x, y);
        Images.writePng(out.resolve("loss.png"), plot);
    }

    @Override
    public void close() {
        try {
            if (metrics != null) {
                metrics.close();
            }
            if (events != null) {
                events.close();
            }
        } catch (IOException e) {
            // nothing left to save
        }
    }
}
