package ddpm4j.sample;

/** Where a run's noise comes from: the noise source of each batch of images. */
@FunctionalInterface
public interface Noise {
    /** The noise of images {@code first .. first+count−1}, each [C,H,W] = {@code imageShape}. */
    NoiseSource batch(long first, int count, long... imageShape);

    /** Whether the batches must be drawn in order, one after the other (one stream through the run). */
    default boolean inOrder() {
        return false;
    }

    /**
     * This noise from image {@code k} on: image j of the result is image k+j of this one, so a run can be made
     * in parts. Only for noise whose batches are independent ({@link #inOrder} false).
     */
    default Noise from(long k) {
        if (inOrder()) {
            throw new IllegalArgumentException("noise drawn in one stream through the batches cannot start at image " + k);
        }
        Noise whole = this;
        return (first, count, shape) -> whole.batch(k + first, count, shape);
    }

    /** One stream per image seeded by (seed, k): the same images whatever the batch size. */
    static Noise perImage(long seed) {
        return (first, count, shape) -> new NoiseSource(seed, first, count, shape);
    }

    /**
     * PyTorch's CPU generator after {@code torch.manual_seed(seed)}, every draw a
     * {@code torch.randn(batch, C, H, W)}, the batches one after the other: with the batch size of a
     * diffusers pipeline call, the images it gives with {@code generator=torch.manual_seed(seed)}.
     * Stateful: batches must be asked for in order.
     */
    static Noise torch(long seed) {
        TorchGenerator g = new TorchGenerator(seed);
        return new Noise() {
            @Override
            public NoiseSource batch(long first, int count, long... shape) {
                return NoiseSource.torch(g, count, shape);
            }

            @Override
            public boolean inOrder() {
                return true;
            }
        };
    }
}
