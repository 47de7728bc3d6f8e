package ddpm4j.train;

import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.LossAwareTimesteps;
import ddpm4j.diffusion.LossType;
import ddpm4j.diffusion.TimestepSampler;
import ddpm4j.io.FloatArray;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Weights;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Conditioning;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Algorithm 1 of Ho et al. 2020 with the paper's recipe: Adam with warm-up, gradient clipping, an
 * EMA of the weights, dropout and flips; checkpoints, metrics, sample grids and a loss plot in the
 * output directory, which is a model directory holding the EMA weights.
 */
public final class Trainer implements AutoCloseable {
    /** Stops a run after this many non-finite losses in a row. */
    static final int MAX_NON_FINITE = 10;

    /** What a step did. */
    public record Step(long step, double loss, double lr, double gradNorm, double imagesPerSecond, boolean skipped) {
    }

    /** Told about progress; all methods are called on the training thread. */
    public interface Listener {
        default void started(long firstStep, long totalSteps) {
        }

        default void stepped(Step step) {
        }

        default void note(String message) {
        }
    }

    private final Path out;
    private final UNetConfig arch;
    private final SchedulerConfig process;
    private final TrainSettings settings;
    private final GaussianDiffusion diffusion;
    private final UNet2DModel model;
    private final UNet2DModel emaModel;
    private final Map<String, Tensor> params;
    private final TensorVector paramVector;
    private final Adam adam;
    private final Ema ema;
    private final TimestepSampler timesteps;
    private final TrainingData data;
    private final RunOutputs outputs;
    private final Device device;
    private long step;

    /**
     * A new run in {@code out}, or the continuation of the run whose checkpoint is there.
     *
     * @param resume     continue from {@code out}'s checkpoint (its settings win over {@code settings})
     * @param changes    with {@code resume}: what to change in the run's saved settings (null: nothing)
     */
    public Trainer(Path out, UNetConfig arch, SchedulerConfig process, TrainSettings settings, ImageSet images,
                   boolean resume, TrainSettings.Changes changes) throws IOException {
        this(out, arch, process, settings, images, resume, changes, Device.CPU);
    }

    /**
     * As above, training on {@code device}: the networks, the optimizer's moments and the EMA live
     * there; batches, noise and timesteps are drawn on the host as on the CPU and copied once per step.
     */
    public Trainer(Path out, UNetConfig arch, SchedulerConfig process, TrainSettings settings, ImageSet images,
                   boolean resume, TrainSettings.Changes changes, Device device) throws IOException {
        this.device = device;
        Checkpoint.State saved = resume ? Checkpoint.load(out) : null;
        this.out = out;
        this.arch = arch;
        this.process = process;
        this.settings = saved == null ? settings : changes == null ? saved.settings() : changes.applyTo(saved.settings());
        this.diffusion = GaussianDiffusion.of(process);
        if (arch.outChannels() != diffusion.outputChannels(arch.inChannels())) {
            throw new IllegalArgumentException("variance '" + process.variance().configName + "' needs a network with "
                    + diffusion.outputChannels(arch.inChannels()) + " output channels, the architecture has " + arch.outChannels());
        }
        if (images.channels() != arch.inChannels()) {
            throw new IllegalArgumentException("the data have " + images.channels() + " channels but the network takes " + arch.inChannels());
        }
        if (arch.classConditional()) {
            if (!images.labelled()) {
                throw new IllegalArgumentException("a class-conditional network needs labelled data");
            }
            if (images.classCount() > arch.nullLabel()) {
                throw new IllegalArgumentException("the data have " + images.classCount() + " classes but num_class_embeds "
                        + arch.numClassEmbeds() + " holds " + arch.nullLabel() + " and the no-class label");
            }
        }
        this.model = new UNet2DModel(arch, this.settings.seed()).to(device);
        this.emaModel = new UNet2DModel(arch).to(device);
        this.params = model.stateDict();
        this.paramVector = new TensorVector(params.values().toArray(new Tensor[0]));
        this.adam = new Adam(params, this.settings.beta1(), this.settings.beta2(), this.settings.eps());
        this.ema = new Ema(emaModel.stateDict(), params, this.settings.emaDecay(), this.settings.emaWarmup());
        this.timesteps = this.settings.lossAware() ? new LossAwareTimesteps(process.numTrainTimesteps())
                : TimestepSampler.uniform(process.numTrainTimesteps());
        this.data = new TrainingData(images, this.settings.batchSize(), this.settings.seed(), this.settings.hflip());
        this.outputs = new RunOutputs(out, this.settings);
        if (saved != null) {
            restore(saved);
            outputs.continueFrom(saved.pending());
        }
        outputs.open(step);
    }

    private void restore(Checkpoint.State s) throws IOException {
        Path where = out.resolve(Checkpoint.DIR);
        Weights.load(model, s.weights(), where);
        Weights.load(emaModel, s.ema(), where);
        adam.restore(s.optimizer(), s.step());
        timesteps.restore(s.timesteps());
        step = s.step();
    }

    public long step() {
        return step;
    }

    public TrainSettings settings() {
        return settings;
    }

    /** Trains until the configured number of steps, checkpointing on the way and at the end. */
    public void run(Listener listener) throws IOException {
        run(listener, Long.MAX_VALUE);
    }

    /**
     * Trains until the configured number of steps or until {@code System.nanoTime()} passes
     * {@code deadline}, checkpointing on the way; the last state is always checkpointed and sampled.
     */
    public void run(Listener listener, long deadline) throws IOException {
        listener.started(step, settings.steps());
        LossType loss = LossType.fromName(settings.objective());
        int nonFinite = 0;
        long saved = -1;
        while (step < settings.steps() && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            Step report = trainStep(loss);
            report = new Step(report.step(), report.loss(), report.lr(), report.gradNorm(),
                    settings.batchSize() / ((System.nanoTime() - start) / 1e9), report.skipped());
            if (report.skipped()) {
                nonFinite++;
                listener.note("step " + report.step() + ": non-finite loss, update skipped");
                if (nonFinite >= MAX_NON_FINITE) {
                    throw new IllegalStateException(MAX_NON_FINITE + " non-finite losses in a row at step " + step
                            + "; the last good checkpoint is kept in " + out.resolve(Checkpoint.DIR));
                }
                continue;
            }
            nonFinite = 0;
            outputs.record(report);
            listener.stepped(report);
            if (settings.sampleEvery() > 0 && step % settings.sampleEvery() == 0) {
                outputs.sampleGrid(emaModel, process, step);
            }
            if (step % settings.checkpointEvery() == 0) {
                checkpoint();
                saved = step;
                listener.note("checkpoint at step " + step);
            }
        }
        outputs.flush(step);
        if (settings.sampleEvery() <= 0 || step % settings.sampleEvery() != 0) {
            outputs.sampleGrid(emaModel, process, step);
        }
        if (saved != step) {
            checkpoint();
            listener.note("checkpoint at step " + step);
        }
    }

    /** One optimizer step on the next batch, without logs, checkpoints or sample grids (for benchmarks). */
    public Step stepOnce() {
        return trainStep(LossType.fromName(settings.objective()));
    }

    /** One step of Algorithm 1 on batch {@code step}. */
    Step trainStep(LossType loss) {
        long n = step;
        double lr = settings.lrAt(n + 1);
        try (PointerScope scope = new PointerScope()) {
            ImageSet im = data.images();
            int b = settings.batchSize();
            Tensor x0 = device.put(Tensors.fromFloats(data.batch(n), b, im.channels(), im.height(), im.width()));
            SplittableRandom random = new SplittableRandom(Seeds.of(settings.seed(), Seeds.STEP, n));
            TimestepSampler.Draw draw = timesteps.sample(b, random);
            float[] noiseValues = new float[(int) x0.numel()];
            for (int i = 0; i < noiseValues.length; i++) {
                noiseValues[i] = (float) random.nextGaussian();
            }
            Tensor noise = device.put(Tensors.fromFloats(noiseValues, Tensors.shape(x0)));
            torch.manual_seed(Seeds.of(settings.seed(), Seeds.DROPOUT, n)); // dropout masks
            model.train(true);
            model.module().zero_grad(true);
            Denoiser net = arch.classConditional() ? conditioned(n, b) : model::forward;
            Tensor perImage = diffusion.trainingLoss(net, x0, draw.t(), noise, loss, settings.minSnrGamma());
            float[] weights = new float[b];
            for (int i = 0; i < b; i++) {
                weights[i] = (float) draw.weights()[i];
            }
            Tensor total = perImage.mul(device.put(Tensors.fromFloats(weights, b))).mean();
            double value = total.item_double();
            if (!Double.isFinite(value)) {
                step = n + 1; // move on to the next batch without an update
                return new Step(step, value, lr, Double.NaN, 0, true);
            }
            total.backward();
            // without clipping, the largest float as the bound only measures the norm (libtorch converts it to float)
            double gradNorm = torch.clip_grad_norm_(paramVector, settings.gradClip() > 0 ? settings.gradClip() : Float.MAX_VALUE);
            adam.step(lr);
            ema.update(n);
            float[] losses = Tensors.toFloats(perImage.detach());
            double[] lossesD = new double[b];
            for (int i = 0; i < b; i++) {
                lossesD[i] = losses[i];
            }
            timesteps.update(draw.t(), lossesD);
            step = n + 1;
            return new Step(step, value, lr, gradNorm, 0, false);
        }
    }

    /**
     * The network bound to batch n's labels, each replaced by the "no class" label (the last
     * embedding) with probability labelDropout, as classifier-free guidance trains.
     */
    private Denoiser conditioned(long n, int b) {
        int[] y = data.labels(n).clone();
        int none = arch.nullLabel();
        for (int i = 0; i < b; i++) {
            boolean drop = new SplittableRandom(Seeds.of(settings.seed(), Seeds.LABEL_DROPOUT, n * b + i)).nextDouble()
                    < settings.labelDropout();
            y[i] = drop ? none : y[i];
        }
        return new Conditioning(y, none, 1.0).bind(model::forward, arch.inChannels(), 0);
    }

    /** Writes the checkpoint, then the model directory's EMA weights and configs. */
    public void checkpoint() throws IOException {
        Checkpoint.save(out, new Checkpoint.State(step, settings, Weights.of(model), Weights.of(emaModel), adam.state(), timesteps.state(),
                outputs.pending()));
        try {
            ModelDirectory.save(out, emaModel, process);
        } catch (IOException e) {
            throw new IOException("checkpoint of step " + step + " saved, but could not update the model directory " + out
                    + " (" + ddpm4j.io.IoErrors.describe(e) + ")", e);
        }
        try {
            outputs.lossPlot();
        } catch (IOException e) {
            throw new IOException("checkpoint of step " + step + " saved, but could not write " + out.resolve("loss.png")
                    + " (" + ddpm4j.io.IoErrors.describe(e) + ")", e);
        }
    }

    /** The network being optimized (raw weights). */
    public UNet2DModel rawModel() {
        return model;
    }

    /** The optimizer's moments. */
    public Map<String, FloatArray> optimizerState() {
        return adam.state();
    }

    /** The network holding the EMA weights. */
    public UNet2DModel emaModel() {
        return emaModel;
    }

    /** The arithmetic of the training steps and of the EMA network's sample grids. */
    public void setPrecision(ddpm4j.torch.Precision precision) {
        model.setPrecision(precision);
        emaModel.setPrecision(precision);
    }

    @Override
    public void close() {
        data.close();
        outputs.close();
        model.close();
        emaModel.close();
    }
}
