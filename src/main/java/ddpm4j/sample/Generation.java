package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Device;
import ddpm4j.torch.Batches;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Many samples, batch by batch: image k starts from the noise of (seed, k) whatever the batch
 * size, so a run can be split or repeated and gives the same images.
 */
public final class Generation {
    /** The network for images {@code first .. first+count−1} of a run (e.g. bound to their class labels). */
    @FunctionalInterface
    public interface PerImages {
        Denoiser of(int first, int count);
    }

    private Generation() {
    }

    /**
     * @param device     where the network lives: x_T is made there
     * @param start      x_T for every image, float32 NCHW, or null for seeded noise
     * @param imageShape [C,H,W]
     * @param progress   told the number of images that finished a network pass
     * @return the samples in model space, float32 NCHW
     */
    public static float[] generate(Denoiser model, Device device, Sampler sampler, long seed, int count, int batchSize,
                                   long[] imageShape, float[] start, IntConsumer progress) {
        return generateEach((first, n) -> model, device, sampler, seed, count, batchSize, imageShape, start, progress);
    }

    /** {@link #generate} with a network per batch (e.g. bound to the batch's class labels). */
    public static float[] generateEach(PerImages model, Device device, Sampler sampler, long seed, int count, int batchSize,
                                       long[] imageShape, float[] start, IntConsumer progress) {
        return generateEach(model, device, sampler, Noise.perImage(seed), count, batchSize, imageShape, start, progress);
    }

    /** {@link #generateEach} with the noise from {@code noise}. */
    public static float[] generateEach(PerImages model, Device device, Sampler sampler, Noise noise, int count, int batchSize,
                                       long[] imageShape, float[] start, IntConsumer progress) {
        int per = Math.toIntExact(Tensors.count(imageShape));
        float[] result = new float[Math.multiplyExact(count, per)];
        Batches.each(count, batchSize, (first, b) -> {
            NoiseSource source = noise.batch(first, b, imageShape);
            Tensor xT = source.next(device);
            if (start != null) {
                xT = device.put(Tensors.fromFloats(Arrays.copyOfRange(start, first * per, (first + b) * per),
                        b, imageShape[0], imageShape[1], imageShape[2]));
            }
            Tensor x0 = sampler.sample(model.of(first, b), xT, source, (done, total) -> progress.accept(b));
            float[] v = Tensors.toFloats(x0);
            System.arraycopy(v, 0, result, first * per, v.length);
        });
        return result;
    }
}
