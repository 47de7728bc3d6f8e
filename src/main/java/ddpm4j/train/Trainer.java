package ddpm4j.train;

import ddpm4j.data.ImageSource;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.EdmPreconditioning;
import ddpm4j.dist.Gradients;
import ddpm4j.dist.Group;
import ddpm4j.dist.Shards;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.LossAwareTimesteps;
import ddpm4j.diffusion.TimestepSampler;
import ddpm4j.io.FloatArray;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Weights;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Conditioning;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.PrecisionRule;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Algorithm 1 of Ho et al. 2020 with the paper's recipe: Adam with warm-up, gradient clipping, an
 * EMA of the weights, dropout and flips; checkpoints, metrics, sample grids and a loss plot in the
 * output directory, which is a model directory holding the EMA weights.
 *
 * <p>In a {@link Group} of several ranks each rank computes its rows of the same global batch (the same
 * images, timesteps and noise as one process draws), the gradients are summed across ranks before clipping,
 * Adam and the EMA, so every rank holds the same weights; rank 0 alone writes files. A rank's rows may be cut
 * into micro-batches whose gradients accumulate; k ranks of m micro-batches compute what one process with k·m
 * micro-batches computes (the same sums in the same order, dropout masks included).
 */
public final class Trainer implements AutoCloseable {
    /** Stops a run after this many non-finite losses in a row. */
    static final int MAX_NON_FINITE = 10;

    /**
     * What a step did. {@code communicationSeconds}: the time spent in collectives (the loss, the gradients,
     * the per-image losses), waiting for the slowest rank included; 0 for one process.
     */
    public record Step(long step, double loss, double lr, double gradNorm, double imagesPerSecond, boolean skipped,
                       double communicationSeconds) {
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
    private final Objective objective;
    private final GaussianDiffusion diffusion; // the β process, or null for an EDM one
    private final EdmPreconditioning edm;      // EDM's preconditioning, or null
    private final ProgressiveDistillation distillation; // a distillation stage's teacher and grids, or null
    private final UNet2DModel model;
    private final UNet2DModel emaModel;
    private final Map<String, Tensor> params;
    private final TensorVector paramVector;
    private final List<Tensor> paramList;
    private final Adam adam;
    private final Ema ema;
    /** EDM2's power-function EMAs by σ_rel: their weights, and the averages that update them. */
    private final Map<Double, Map<String, Tensor>> profileWeights = new java.util.LinkedHashMap<>();
    private final List<Ema> profiles = new java.util.ArrayList<>();
    private final TimestepSampler timesteps;
    private final TrainingData data;
    private final RunOutputs outputs;
    private final FidWhileTraining fid; // rank 0's scorer when the run evaluates, else null
    private Checkpoint.Best best;
    private final Device device;
    private final Group group;
    private final int rowStart;
    private final int rows;
    private long step;

    /** A new run in {@code out} on the CPU, one process. */
    public static Trainer start(Path out, UNetConfig arch, SchedulerConfig process, TrainSettings settings, ImageSource images)
            throws IOException {
        return start(out, arch, process, settings, images, Device.CPU, Group.single());
    }

    /**
     * A new run in {@code out}: the networks, the optimizer's moments and the EMA live on {@code device}; batches, noise
     * and timesteps are drawn on the host as on the CPU and copied once per step. As one rank of {@code group}, every
     * rank passes the same arguments (the same {@code out}, which only rank 0 writes).
     *
     * @throws IllegalArgumentException when {@code out} already holds a run (resume it instead), or the parts do not fit
     */
    public static Trainer start(Path out, UNetConfig arch, SchedulerConfig process, TrainSettings settings, ImageSource images,
                                Device device, Group group) throws IOException {
        if (Checkpoint.exists(out)) {
            throw new IllegalArgumentException(out + " already holds a training run; resume it or choose another directory");
        }
        return new Trainer(out, arch, process, settings, images, null, device, group);
    }

    /** The run whose checkpoint is in {@code out}, on the CPU, one process. */
    public static Trainer resume(Path out, ImageSource images, TrainSettings.Changes changes) throws IOException {
        return resume(out, images, changes, Device.CPU, Group.single());
    }

    /**
     * The run whose checkpoint is in {@code out}, with its own architecture and process (its model directory's) and its
     * own settings, changed as {@code changes} says (null: none); every rank reads the same {@code out}.
     */
    public static Trainer resume(Path out, ImageSource images, TrainSettings.Changes changes, Device device, Group group)
            throws IOException {
        Checkpoint.State saved = Checkpoint.load(out);
        ModelDirectory dir = ModelDirectory.open(out);
        TrainSettings settings = changes == null ? saved.settings() : changes.applyTo(saved.settings());
        return new Trainer(out, dir.readUNetConfig(), dir.loadScheduler(), settings, images, saved, device, group);
    }

    private Trainer(Path out, UNetConfig arch, SchedulerConfig process, TrainSettings chosen, ImageSource images, Checkpoint.State saved,
                    Device device, Group group) throws IOException {
        this.device = device;
        this.group = group;
        this.out = out;
        this.arch = arch;
        this.process = process;
        this.settings = chosen.precision() != null ? chosen // a run saved before precision was a setting takes the rule's
                : chosen.toBuilder().precision(PrecisionRule.of(PrecisionRule.Work.TRAINING, device).precision()).build();
        if (this.settings.evalEvery() > 0 && !group.isMain()) { // every rank refuses what rank 0 could not score, before any collective
            FidWhileTraining.of(this.settings, images, device, referenceCache()).close();
        }
        this.objective = this.settings.objectiveKind();
        if ((objective == Objective.EDM) != (process.edm() != null)) {
            throw new IllegalArgumentException(objective == Objective.EDM ? "objective edm trains an EDM process, not " + process.className()
                    : "objective " + objective.cliName + " trains a process of β's; " + process.className() + " describes an EDM one (objective edm)");
        }
        this.diffusion = objective == Objective.EDM ? null : GaussianDiffusion.of(process);
        this.edm = EdmPreconditioning.of(process);
        this.distillation = objective == Objective.PROGRESSIVE_DISTILLATION
                ? ProgressiveDistillation.load(out, process, device) : null;
        int outChannels = diffusion == null ? arch.inChannels() : diffusion.outputChannels(arch.inChannels());
        if (arch.outChannels() != outChannels) {
            throw new IllegalArgumentException("variance '" + process.variance().configName + "' needs a network with "
                    + outChannels + " output channels, the architecture has " + arch.outChannels());
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
        if (distillation != null && saved == null) { // a stage starts from its teacher's weights
            distillation.initialize(model);
        }
        this.emaModel = new UNet2DModel(arch).to(device);
        model.setPrecision(this.settings.precision());
        emaModel.setPrecision(this.settings.precision());
        this.params = model.stateDict();
        this.paramVector = new TensorVector(params.values().toArray(new Tensor[0]));
        this.paramList = List.copyOf(params.values());
        this.adam = new Adam(params, this.settings.beta1(), this.settings.beta2(), this.settings.eps());
        this.ema = new Ema(emaModel.stateDict(), params, this.settings.emaDecay(), this.settings.emaWarmup());
        for (double sigmaRel : this.settings.emaProfiles()) {
            Map<String, Tensor> shadow = new java.util.LinkedHashMap<>();
            try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                params.forEach((k, v) -> shadow.put(k, v.detach().clone()));
            }
            profileWeights.put(sigmaRel, shadow);
            profiles.add(Ema.power(shadow, params, PowerEma.gamma(sigmaRel)));
        }
        this.timesteps = distillation != null ? TimestepSampler.uniform(distillation.steps()) // the student's steps
                : this.settings.lossAware() ? new LossAwareTimesteps(process.numTrainTimesteps())
                : TimestepSampler.uniform(process.numTrainTimesteps());
        int b = this.settings.batchSize();
        if (b < group.size()) {
            throw new IllegalArgumentException("the batch size (" + b + ") must be at least the number of ranks (" + group.size() + ")");
        }
        this.rowStart = Shards.rowStart(b, group.rank(), group.size());
        this.rows = Shards.rowCount(b, group.rank(), group.size());
        this.data = new TrainingData(images, b, this.settings.seed(), this.settings.hflip(), rowStart, rows);
        this.outputs = group.isMain() ? new RunOutputs(out, this.settings) : null;
        this.fid = group.isMain() && this.settings.evalEvery() > 0 ? FidWhileTraining.of(this.settings, images, device, referenceCache()) : null;
        if (saved != null) {
            restore(saved);
        }
        for (Tensor p : params.values()) { // every rank starts from rank 0's weights
            group.broadcast(p, 0);
        }
        for (Tensor p : emaModel.stateDict().values()) {
            group.broadcast(p, 0);
        }
        for (Map<String, Tensor> profile : profileWeights.values()) {
            for (Tensor p : profile.values()) {
                group.broadcast(p, 0);
            }
        }
        if (outputs != null) {
            if (saved != null) {
                outputs.continueFrom(saved.pending());
            }
            outputs.open(step);
        }
    }

    private void restore(Checkpoint.State s) throws IOException {
        Path where = out.resolve(Checkpoint.DIR);
        Weights.load(model, s.weights(), where);
        Weights.load(emaModel, s.ema(), where);
        for (Map.Entry<Double, Map<String, Tensor>> p : profileWeights.entrySet()) {
            Weights.load(p.getValue(), s.profiles().get(p.getKey()), where, "the EMA profile " + p.getKey());
        }
        adam.restore(s.optimizer(), s.step());
        timesteps.restore(s.timesteps());
        step = s.step();
        best = s.best();
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
        int nonFinite = 0;
        long saved = -1;
        while (step < settings.steps() && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            Step report = trainStep();
            report = new Step(report.step(), report.loss(), report.lr(), report.gradNorm(),
                    settings.batchSize() / ((System.nanoTime() - start) / 1e9), report.skipped(), report.communicationSeconds());
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
            if (outputs != null) {
                outputs.record(report);
            }
            listener.stepped(report);
            if (outputs != null && settings.sampleEvery() > 0 && step % settings.sampleEvery() == 0) {
                outputs.sampleGrid(emaModel, process, step);
            }
            if (outputs != null && !profiles.isEmpty() && step % settings.emaSnapshotEvery() == 0) {
                saveSnapshots();
            }
            if (fid != null && step % settings.evalEvery() == 0) { // before the checkpoint, which records the best score
                evaluate(listener);
            }
            if (step % settings.checkpointEvery() == 0) {
                checkpoint();
                saved = step;
                listener.note("checkpoint at step " + step);
            }
        }
        if (outputs != null) {
            outputs.flush(step);
            if (settings.sampleEvery() <= 0 || step % settings.sampleEvery() != 0) {
                outputs.sampleGrid(emaModel, process, step);
            }
        }
        if (saved != step) {
            checkpoint();
            listener.note("checkpoint at step " + step);
        }
        group.barrier(); // every rank returns once rank 0 has written the run's last state
    }

    /**
     * Scores the EMA weights, logs the score, and with {@code keep_best} makes them the model directory's when they
     * score best so far.
     */
    private void evaluate(Listener listener) throws IOException {
        double score = fid.score(emaModel, process);
        outputs.recordScore(step, fid.name(), score);
        boolean better = Double.isFinite(score) && (best == null || score < best.score());
        if (better) {
            best = new Checkpoint.Best(score, step);
            if (settings.keepBest()) {
                saveModelDirectory();
            }
        }
        listener.note(String.format(java.util.Locale.ROOT, "%s %.3f at step %d%s", fid.name(), score, step,
                better ? " (best so far" + (settings.keepBest() ? ": the model directory's weights)" : ")") : ", best " + best.score()
                        + " at step " + best.step()));
    }

    /** The power-function EMAs now, as {@code ema-snapshots/step-N-sigma_rel-S.safetensors} ({@link PowerEma} combines them). */
    private void saveSnapshots() throws IOException {
        Path dir = out.resolve(PostHocEma.DIR);
        Files.createDirectories(dir);
        for (Map.Entry<Double, Map<String, Tensor>> p : profileWeights.entrySet()) {
            Path file = dir.resolve(PostHocEma.fileName(step, p.getKey()));
            Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
            ddpm4j.io.Safetensors.write(tmp, Weights.of(p.getValue()), Map.of("sigma_rel", Double.toString(p.getKey()),
                    "step", Long.toString(step)));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Where the evaluations' reference statistics are kept: beside the checkpoints, named by the feature network. */
    private Path referenceCache() {
        return out.resolve(Checkpoint.DIR).resolve("eval-reference-" + settings.evalFeatures().replaceAll("[^A-Za-z0-9_.-]", "_") + ".npz");
    }

    /** The best score of the evaluations so far and its step, or null before the first. */
    public Checkpoint.Best best() {
        return best;
    }

    /** One optimizer step on the next batch, without logs, checkpoints or sample grids (for benchmarks). */
    public Step stepOnce() {
        return trainStep();
    }

    /**
     * One step of Algorithm 1 (or EDM's) on batch {@code step}: draw the batch, forward and backward per micro-batch,
     * reduce the gradients across ranks and clip them, update the weights and their EMA.
     */
    Step trainStep() {
        long n = step;
        double lr = settings.lrAt(n + 1);
        try (PointerScope scope = new PointerScope()) {
            Batch batch = draw(n);
            float[] rowLosses = new float[settings.batchSize()];
            float local = forwardBackward(batch, rowLosses);
            long communication = System.nanoTime();
            double value = globalSum(new float[] {local})[0];
            if (!Double.isFinite(value)) {
                step = n + 1; // move on to the next batch without an update
                return new Step(step, value, lr, Double.NaN, 0, true, 0);
            }
            Gradients.sumAcross(group, paramList);
            communication = System.nanoTime() - communication;
            double gradNorm = clipGradients();
            update(n, lr);
            long lossesStart = System.nanoTime();
            double[] losses = globalSum(rowLosses);
            communication += System.nanoTime() - lossesStart;
            if (batch.timesteps() != null) {
                timesteps.update(batch.timesteps().t(), losses);
            }
            step = n + 1;
            return new Step(step, value, lr, gradNorm, 0, false, group.size() > 1 ? communication / 1e9 : 0);
        }
    }

    /**
     * This rank's rows of global batch n: the images, the noise, and the timesteps with their importance weights (a β
     * process) or the noise levels (EDM), all drawn from the step's one random stream as one process draws them.
     */
    private record Batch(long n, Tensor x0, TimestepSampler.Draw timesteps, double[] sigmas, Tensor noise) {
        /** The importance weight of global row i: 1 for EDM. */
        float weight(int i) {
            return timesteps == null ? 1f : (float) timesteps.weights()[i];
        }
    }

    private Batch draw(long n) {
        ImageSource im = data.images();
        int b = settings.batchSize();
        int per = im.channels() * im.height() * im.width();
        Tensor x0 = device.put(Tensors.fromFloats(data.batch(n), rows, im.channels(), im.height(), im.width()));
        SplittableRandom random = new SplittableRandom(Seeds.of(settings.seed(), Seeds.STEP, n));
        TimestepSampler.Draw t = edm == null ? timesteps.sample(b, random) : null;
        double[] sigmas = edm == null ? null : noiseLevels(b, random);
        float[] noiseValues = new float[b * per];
        for (int i = 0; i < noiseValues.length; i++) {
            noiseValues[i] = (float) random.nextGaussian();
        }
        Tensor noise = device.put(Tensors.fromFloats(Arrays.copyOfRange(noiseValues, rowStart * per, (rowStart + rows) * per),
                Tensors.shape(x0)));
        return new Batch(n, x0, t, sigmas, noise);
    }

    /**
     * Forward and backward over this rank's rows in micro-batches, each's gradients accumulated: (1/B)·Σ w_i·L_i summed
     * over the rows of every micro-batch of every rank is the global mean's gradient. Returns this rank's share of the
     * loss; {@code rowLosses} receives each row's unweighted loss.
     */
    private float forwardBackward(Batch batch, float[] rowLosses) {
        int b = settings.batchSize();
        model.train(true);
        model.module().zero_grad(true);
        int micro = Math.min(settings.microBatches(), rows);
        float local = 0;
        for (int c = 0; c < micro; c++) {
            int first = Shards.rowStart(rows, c, micro);
            int count = Shards.rowCount(rows, c, micro);
            try (PointerScope chunk = new PointerScope()) { // a micro-batch's activations go with its graph
                torch.manual_seed(dropoutSeed(batch.n(), group.rank() * micro + c)); // dropout masks
                Tensor perImage = loss(batch, first, count);
                float[] weights = new float[count];
                for (int i = 0; i < count; i++) {
                    weights[i] = batch.weight(rowStart + first + i);
                }
                Tensor total = perImage.mul(device.put(Tensors.fromFloats(weights, count))).sum().div(new Scalar(b));
                local += (float) total.item_double();
                total.backward();
                System.arraycopy(Tensors.toFloats(perImage.detach()), 0, rowLosses, rowStart + first, count);
            }
        }
        return local;
    }

    /** The objective's loss of rows first .. first + count − 1 of this rank, per image. */
    private Tensor loss(Batch batch, int first, int count) {
        int from = rowStart + first;
        Denoiser net = arch.classConditional() ? conditioned(batch.n(), settings.batchSize(), from, count) : model::forward;
        Tensor x0 = batch.x0().narrow(0, first, count);
        Tensor noise = batch.noise().narrow(0, first, count);
        if (distillation != null) {
            return distillation.loss(net, x0, Arrays.copyOfRange(batch.timesteps().t(), from, from + count), noise);
        }
        return edm != null
                ? edm.trainingLoss(net, x0, Arrays.copyOfRange(batch.sigmas(), from, from + count), noise)
                : diffusion.trainingLoss(net, x0, Arrays.copyOfRange(batch.timesteps().t(), from, from + count), noise, objective.loss,
                        settings.minSnrGamma());
    }

    /** Clips the summed gradients to the global norm {@code gradClip} (none at ≤ 0) and returns their norm before. */
    private double clipGradients() {
        // without clipping, the largest float as the bound only measures the norm (libtorch converts it to float)
        return torch.clip_grad_norm_(paramVector, settings.gradClip() > 0 ? settings.gradClip() : Float.MAX_VALUE);
    }

    /** Adam's update with learning rate {@code lr}, then the EMA of the weights after update n. */
    private void update(long n, double lr) {
        adam.step(lr);
        ema.update(n);
        for (Ema profile : profiles) {
            profile.update(n);
        }
    }

    /** EDM's noise levels of the global batch: ln σ ~ N(P_mean, P_std²), one per image. */
    private double[] noiseLevels(int b, SplittableRandom random) {
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            out[i] = Math.exp(settings.edmPMean() + settings.edmPStd() * random.nextGaussian());
        }
        return out;
    }

    /** The sum over ranks of {@code local} (float32 sums, as one process adds its micro-batches), as doubles. */
    private double[] globalSum(float[] local) {
        if (group.size() == 1) {
            return toDoubles(local);
        }
        Tensor c = Tensors.fromFloats(local, local.length);
        group.allreduceSum(c);
        return toDoubles(Tensors.toFloats(c));
    }

    /**
     * The dropout seed of micro-batch {@code slot} of step n, counting the micro-batches of all ranks in rank
     * order: k ranks of one micro-batch draw the masks of one process with k micro-batches.
     */
    private long dropoutSeed(long n, int slot) {
        long base = Seeds.of(settings.seed(), Seeds.DROPOUT, n);
        return slot == 0 ? base : Seeds.of(base, Seeds.DROPOUT, slot);
    }

    private static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * The network bound to the labels of rows first .. first+count−1 of batch n, each replaced by the "no class" label (the last
     * embedding) with probability labelDropout, as classifier-free guidance trains.
     */
    private Denoiser conditioned(long n, int b, int first, int count) {
        int[] y = data.labels(n).clone();
        int none = arch.nullLabel();
        for (int i = 0; i < b; i++) {
            boolean drop = new SplittableRandom(Seeds.of(settings.seed(), Seeds.LABEL_DROPOUT, n * b + i)).nextDouble()
                    < settings.labelDropout();
            y[i] = drop ? none : y[i];
        }
        return new Conditioning(Arrays.copyOfRange(y, first, first + count), none, 1.0).bind(model::forward, arch.inChannels(), 0);
    }

    /** Writes the checkpoint, then the model directory's EMA weights and configs. */
    public void checkpoint() throws IOException {
        if (outputs == null) {
            return; // rank 0 writes
        }
        Map<Double, Map<String, FloatArray>> saved = new java.util.LinkedHashMap<>();
        profileWeights.forEach((sigmaRel, w) -> saved.put(sigmaRel, Weights.of(w)));
        Checkpoint.save(out, new Checkpoint.State(step, settings, Weights.of(model), Weights.of(emaModel), adam.state(), timesteps.state(),
                outputs.pending(), best, saved));
        if (!settings.keepBest() || best == null) { // with keep_best, the best weights, written when they scored
            try {
                saveModelDirectory();
            } catch (IOException e) {
                throw new IOException("checkpoint of step " + step + " saved, but " + e.getMessage(), e);
            }
        }
        try {
            outputs.lossPlot();
        } catch (IOException e) {
            throw new IOException("checkpoint of step " + step + " saved, but could not write " + out.resolve("loss.png")
                    + " (" + ddpm4j.io.IoErrors.describe(e) + ")", e);
        }
    }

    /** The EMA weights and the configurations as the model directory. */
    private void saveModelDirectory() throws IOException {
        try {
            ModelDirectory.save(out, emaModel, process, settings.layout());
        } catch (IOException e) {
            throw new IOException("could not update the model directory " + out + " (" + ddpm4j.io.IoErrors.describe(e) + ")", e);
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

    @Override
    public void close() {
        if (fid != null) {
            fid.close();
        }
        data.close();
        profileWeights.values().forEach(w -> w.values().forEach(Tensor::close));
        if (outputs != null) {
            outputs.close();
        }
        model.close();
        emaModel.close();
        if (distillation != null) {
            distillation.close();
        }
    }
}
