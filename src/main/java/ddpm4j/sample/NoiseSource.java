package ddpm4j.sample;

import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.SplittableRandom;

/**
 * Standard Gaussian noise for a batch. By default one random stream per image: image k of a run
 * draws from a stream seeded by (seed, k), so the same seed gives the same images whatever the
 * batch size. {@link #torch} instead draws each [B,C,H,W] tensor from one PyTorch-compatible
 * generator, as diffusers' pipelines do with {@code generator=torch.manual_seed(seed)}.
 */
public final class NoiseSource {
    private final SplittableRandom[] streams;
    private final TorchGenerator torch;
    private final int batch;
    private final long[] imageShape;

    /**
     * @param seed       the run's seed
     * @param firstImage index of the batch's first image within the run
     * @param batch      number of images
     * @param imageShape [C,H,W]
     */
    public NoiseSource(long seed, long firstImage, int batch, long... imageShape) {
        this.imageShape = imageShape.clone();
        this.torch = null;
        this.batch = batch;
        this.streams = new SplittableRandom[batch];
        for (int i = 0; i < batch; i++) {
            streams[i] = new SplittableRandom(mix(seed, firstImage + i));
        }
    }

    private NoiseSource(TorchGenerator torch, int batch, long... imageShape) {
        this.imageShape = imageShape.clone();
        this.torch = torch;
        this.batch = batch;
        this.streams = null;
    }

    /** Draws of {@code torch.randn(batch, *imageShape)} from {@code generator}, one after the other. */
    static NoiseSource torch(TorchGenerator generator, int batch, long... imageShape) {
        return new NoiseSource(generator, batch, imageShape);
    }

    /** Noise for {@code batch} images that all draw image {@code image}'s stream: the same noise in every row. */
    public static NoiseSource shared(long seed, long image, int batch, long... imageShape) {
        NoiseSource s = new NoiseSource(seed, image, batch, imageShape);
        for (int i = 0; i < batch; i++) {
            s.streams[i] = new SplittableRandom(mix(seed, image));
        }
        return s;
    }

    /**
     * The noise of several batches as one: its draws are theirs stacked in order, image for image the same values as
     * each would draw alone (per-image streams only), so that requests sampled together get the images each gets alone.
     */
    public static NoiseSource concat(java.util.List<NoiseSource> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no noise to join");
        }
        long[] shape = parts.get(0).imageShape;
        int total = 0;
        for (NoiseSource p : parts) {
            if (p.torch != null) {
                throw new IllegalArgumentException("PyTorch-generator noise is one stream through its batch and cannot be joined");
            }
            if (!java.util.Arrays.equals(p.imageShape, shape)) {
                throw new IllegalArgumentException("noise of images " + java.util.Arrays.toString(p.imageShape) + " joined with "
                        + java.util.Arrays.toString(shape));
            }
            total += p.batch;
        }
        SplittableRandom[] streams = new SplittableRandom[total];
        int at = 0;
        for (NoiseSource p : parts) {
            System.arraycopy(p.streams, 0, streams, at, p.batch);
            at += p.batch;
        }
        return new NoiseSource(streams, shape);
    }

    private NoiseSource(SplittableRandom[] streams, long... imageShape) {
        this.imageShape = imageShape.clone();
        this.torch = null;
        this.batch = streams.length;
        this.streams = streams;
    }

    /**
     * The next [B,C,H,W] draw on {@code device}. The values come from the Java streams (so they
     * are the same on every device and for every batch size) and are copied there once.
     */
    public Tensor next(Device device) {
        return device.put(next());
    }

    /** The next [B,C,H,W] draw, on the CPU. */
    public Tensor next() {
        int per = Math.toIntExact(Tensors.count(imageShape));
        long[] shape = new long[imageShape.length + 1];
        shape[0] = batch;
        System.arraycopy(imageShape, 0, shape, 1, imageShape.length);
        if (torch != null) {
            return Tensors.fromFloats(torch.randn(Math.multiplyExact(per, batch)), shape);
        }
        float[] v = new float[per * streams.length];
        for (int i = 0; i < streams.length; i++) {
            SplittableRandom r = streams[i];
            for (int j = 0; j < per; j++) {
                v[i * per + j] = (float) r.nextGaussian();
            }
        }
        return Tensors.fromFloats(v, shape);
    }

    /** A well-spread 64-bit seed for image {@code k}. */
    static long mix(long seed, long k) {
        return SplitMix.mix(seed, 0, k);
    }
}
