package ddpm4j.io;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Batches;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.function.IntConsumer;

/**
 * A loaded model directory: the network and its diffusion process.
 *
 * @param unet      the network, weights loaded
 * @param scheduler the process it was trained with
 */
public record Model(UNet2DModel unet, SchedulerConfig scheduler) implements AutoCloseable {
    /**
     * The network's output for {@code x [B,C,H,W]} at integer timesteps {@code t [B]}, refusing
     * timesteps outside the 0..T−1 the model was trained on (the network alone cannot know T).
     */
    public Tensor predict(Tensor x, Tensor t) {
        return predict(x, t, null);
    }

    /** {@link #predict(Tensor, Tensor)} of a class-conditional network for class {@code labels [B]} (null: none). */
    public Tensor predict(Tensor x, Tensor t, Tensor labels) {
        if (!t.is_floating_point() && !t.is_meta()) {
            scheduler.requireTrainedTimesteps(Tensors.toLongs(t));
        }
        return unet.infer(x, t, labels);
    }

    /**
     * Whether the network sees continuous timesteps (an EDM process's c_noise = ln σ / 4, a consistency model's 250 ln σ)
     * rather than the integer steps 0..T−1 of a process of β's.
     */
    public boolean continuousTimesteps() {
        return !scheduler.hasBetas();
    }

    /**
     * Refuses timesteps the network cannot take: not finite, or for a process of β's not a whole number in 0..T−1.
     *
     * @throws IllegalArgumentException naming the first such timestep
     */
    public void checkTimesteps(double[] t) {
        boolean continuous = continuousTimesteps();
        long[] whole = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            if (!Double.isFinite(t[i]) || !continuous && t[i] != Math.rint(t[i])) {
                throw new IllegalArgumentException("timestep " + t[i] + " at index " + i + (continuous ? " is not a finite number"
                        : " is not a whole number: this model's network takes the integer steps of its process"));
            }
            whole[i] = (long) t[i];
        }
        if (!continuous) {
            scheduler.requireTrainedTimesteps(whole);
        }
    }

    /**
     * {@link #predict} for {@code x}, images of shape {@code [c, h, w]} in C order, at {@code t} (one timestep
     * per image, or one for all: whole numbers for a process of β's, any finite number where {@link #continuousTimesteps}),
     * with class {@code labels} (one per image, or null), {@code batchSize} images per pass; the outputs
     * [n, outChannels, h, w] in C order.
     *
     * @param progress told the number of images of each finished pass
     */
    public float[] predictAll(float[] x, long[] imageShape, double[] t, long[] labels, int batchSize, IntConsumer progress) {
        int inPer = Math.toIntExact(Tensors.count(imageShape));
        int n = x.length / inPer;
        if (n * inPer != x.length || (t.length != n && t.length != 1) || labels != null && labels.length != n) {
            throw new IllegalArgumentException(x.length + " values, " + t.length + " timesteps" + (labels == null ? "" : " and "
                    + labels.length + " labels") + " for images of shape " + java.util.Arrays.toString(imageShape));
        }
        checkTimesteps(t);
        boolean continuous = continuousTimesteps();
        if (labels != null) {
            int rows = unet.config().classConditional() ? unet.config().numClassEmbeds() : 0;
            for (long y : labels) {
                if (y < 0 || y >= rows) {
                    throw new IllegalArgumentException("class label " + y + " is outside 0.." + (rows - 1) + " (num_class_embeds " + rows + ")");
                }
            }
        }
        long h = imageShape[1];
        long w = imageShape[2];
        int outPer = Math.toIntExact(unet.config().outChannels() * h * w);
        float[] result = new float[Math.multiplyExact(n, outPer)];
        Batches.each(n, batchSize, (first, b) -> {
            Tensor xb = device().put(Tensors.fromFloats(java.util.Arrays.copyOfRange(x, first * inPer, (first + b) * inPer), b,
                    imageShape[0], h, w));
            long[] steps = new long[b];
            float[] times = new float[b];
            for (int i = 0; i < b; i++) {
                double v = t.length == 1 ? t[0] : t[first + i];
                steps[i] = (long) v;
                times[i] = (float) v;
            }
            Tensor tb = device().put(continuous ? Tensors.fromFloats(times, b) : Tensors.fromLongs(steps, b));
            Tensor yb = labels == null ? null : device().put(Tensors.fromLongs(java.util.Arrays.copyOfRange(labels, first, first + b), b));
            float[] y = Tensors.toFloats(predict(xb, tb, yb));
            System.arraycopy(y, 0, result, first * outPer, y.length);
            progress.accept(b);
        });
        return result;
    }

    /**
     * The classes a class-conditional model draws: every class embedding of a consistency model (OpenAI's, sampled
     * without guidance), all but the last otherwise (ddpm4j's no-class label, which label dropout trains for guidance).
     */
    public int classCount() {
        var c = unet.config();
        if (!c.classConditional()) {
            throw new IllegalStateException("not a class-conditional network");
        }
        return scheduler.scheduler() == ddpm4j.schedule.SchedulerClass.CONSISTENCY ? c.numClassEmbeds() : c.nullLabel();
    }

    /** Whether the model has ddpm4j's no-class label, so classifier-free guidance and an unconditional pass are possible. */
    public boolean hasNoClassLabel() {
        return unet.config().classConditional() && classCount() == unet.config().nullLabel();
    }

    /** The device the network lives on. */
    public Device device() {
        return unet.device();
    }

    /** Moves the network to {@code device}; returns this model. */
    public Model to(Device device) {
        unet.to(device);
        return this;
    }

    @Override
    public void close() {
        unet.close();
    }
}
