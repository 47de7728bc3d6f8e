package ddpm4j.sample;

import ddpm4j.dist.Group;
import ddpm4j.dist.ShardedBatches;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Edits of many images, batch by batch, as {@link Generation} samples: image k draws its noise from (seed, k)
 * whatever the batch size, so a run can be split or repeated and gives the same images.
 */
public final class Editing {
    /**
     * The images to edit.
     *
     * @param pixels     model-space float32 NCHW, {@code count} images of {@code imageShape}
     * @param imageShape [C,H,W]
     */
    public record Images(float[] pixels, int count, long[] imageShape) {
        public Images {
            if (pixels.length != (long) count * Tensors.count(imageShape)) {
                throw new IllegalArgumentException(pixels.length + " values are not " + count + " images of " + Arrays.toString(imageShape));
            }
        }

        /** Values per image, C·H·W. */
        public int per() {
            return Math.toIntExact(Tensors.count(imageShape));
        }

        /** Images first .. first+n−1 as a [n,C,H,W] tensor on {@code device}. */
        public Tensor batch(Device device, int first, int n) {
            int per = per();
            return device.put(Tensors.fromFloats(Arrays.copyOfRange(pixels, first * per, (first + n) * per),
                    n, imageShape[0], imageShape[1], imageShape[2]));
        }
    }

    private Editing() {
    }

    /**
     * SDEdit ({@link ImageToImage}) of every image at {@code strength}.
     *
     * @param progress told the number of images that finished a network pass
     * @return the edited images in model space, float32 NCHW
     */
    public static float[] imageToImage(Generation.PerImages model, Device device, TracedSampler sampler, double strength, Noise noise,
                                       Images images, int batchSize, IntConsumer progress) {
        ImageToImage.start(sampler, strength); // refuses a bad strength before any work
        long[] shape = images.imageShape();
        return ShardedBatches.run(Group.single(), images.count(), batchSize, images.per(), (first, b) -> {
            Tensor x0 = images.batch(device, first, b);
            Tensor out = ImageToImage.edit(sampler, model.of(first, b), x0, strength, noise.batch(first, b, shape),
                    (done, total) -> progress.accept(b), Trajectory.NONE);
            return Tensors.toFloats(out);
        });
    }

    /**
     * Inpainting of every image by {@code sampler}, a loop that keeps a {@link KnownRegion} ({@link Samplers#rePaint}).
     *
     * @param masks 1 keep, 0 inpaint: one [1,H,W] mask for every image, or one per image ([N,1,H,W])
     * @return the inpainted images in model space, float32 NCHW
     */
    public static float[] inpaint(Generation.PerImages model, Device device, Sampler sampler, Noise noise, Images images,
                                  Images masks, int batchSize, IntConsumer progress) {
        checkMasks(images, masks);
        long[] shape = images.imageShape();
        return ShardedBatches.run(Group.single(), images.count(), batchSize, images.per(), (first, b) -> {
            NoiseSource source = noise.batch(first, b, shape);
            Tensor xT = source.next(device);
            Tensor mask = masks.count() == 1 ? masks.batch(device, 0, 1) : masks.batch(device, first, b);
            Tensor out = sampler.sample(model.of(first, b), xT, new KnownRegion(images.batch(device, first, b), mask), source,
                    (done, total) -> progress.accept(b), Trajectory.NONE);
            return Tensors.toFloats(out);
        });
    }

    /** Masks of one channel and the images' size, one or one per image. */
    static void checkMasks(Images images, Images masks) {
        long[] m = masks.imageShape();
        long[] s = images.imageShape();
        if (m[0] != 1 || m[1] != s[1] || m[2] != s[2]) {
            throw new IllegalArgumentException("masks are " + Arrays.toString(m) + ", not [1, " + s[1] + ", " + s[2] + "]");
        }
        if (masks.count() != 1 && masks.count() != images.count()) {
            throw new IllegalArgumentException(masks.count() + " masks for " + images.count() + " images (give one, or one per image)");
        }
    }
}
