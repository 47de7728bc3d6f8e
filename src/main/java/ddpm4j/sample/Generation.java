package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Device;
import ddpm4j.dist.Group;
import ddpm4j.dist.ShardedBatches;
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

        /** These networks from image {@code k} on: images j.. of the result are images k+j.. of this one. */
        default PerImages from(int k) {
            return (first, count) -> of(k + first, count);
        }
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
        return generateEach(model, device, sampler, noise, count, batchSize, imageShape, start, progress, Group.single());
    }

    /**
     * As above, as one rank of {@code group}: the batches are dealt across the ranks and every rank returns
     * all the samples, equal to one process's ({@code progress} hears of this rank's images only).
     */
    public static float[] generateEach(PerImages model, Device device, Sampler sampler, Noise noise, int count, int batchSize,
                                       long[] imageShape, float[] start, IntConsumer progress, Group group) {
        if (group.size() > 1 && noise.inOrder() && start == null) {
            throw new IllegalArgumentException("PyTorch-generator noise is one stream through the batches in order and cannot be"
                    + " split across " + group.size() + " ranks; use per-image noise");
        }
        int per = Math.toIntExact(Tensors.count(imageShape));
        return ShardedBatches.run(group, count, batchSize, per, (first, b) -> {
            NoiseSource source = noise.batch(first, b, imageShape);
            Tensor xT = source.next(device);
            if (start != null) {
                xT = device.put(Tensors.fromFloats(Arrays.copyOfRange(start, first * per, (first + b) * per),
                        b, imageShape[0], imageShape[1], imageShape[2]));
            }
            Tensor x0 = sampler.sample(model.of(first, b), xT, source, (done, total) -> progress.accept(b));
            return Tensors.toFloats(x0);
        });
    }
}
