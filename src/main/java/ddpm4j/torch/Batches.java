package ddpm4j.torch;

import org.bytedeco.javacpp.PointerScope;

/** The one loop over a long run of images in batches, each batch's tensors released when it ends. */
public final class Batches {
    private Batches() {
    }

    /** The work on images {@code first .. first + size − 1}. */
    @FunctionalInterface
    public interface Batch {
        void run(int first, int size);
    }

    /** Runs {@code batch} on {@code count} images, {@code batchSize} (at most) at a time, in order, each in its own {@link PointerScope}. */
    public static void each(int count, int batchSize, Batch batch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
        }
        for (int first = 0; first < count; first += batchSize) {
            int size = Math.min(batchSize, count - first);
            try (PointerScope scope = new PointerScope()) {
                batch.run(first, size);
            }
        }
    }
}
