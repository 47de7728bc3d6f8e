package ddpm4j.train;

import ddpm4j.data.ImageSource;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Training batches in model space, prepared on a background thread. Batch n is a pure function of
 * (seed, n): the data are visited epoch by epoch in a seeded random order, and each image is
 * flipped horizontally with probability ½ when flips are on. A rank of a distributed run builds only its
 * rows of each batch (rows {@code rowStart .. rowStart+rows−1} of the global batch).
 */
public final class TrainingData implements AutoCloseable {
    private static final int AHEAD = 2;

    private final ImageSource images;
    private final int batchSize;
    private final long seed;
    private final boolean flip;
    private final int rowStart;
    private final int rows;
    private final ExecutorService worker;
    private final Map<Long, Future<float[]>> pending = new HashMap<>();
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    public TrainingData(ImageSource images, int batchSize, long seed, boolean flip) {
        this(images, batchSize, seed, flip, 0, batchSize);
    }

    /** Only rows {@code rowStart .. rowStart+rows−1} of each batch. */
    public TrainingData(ImageSource images, int batchSize, long seed, boolean flip, int rowStart, int rows) {
        if (rowStart < 0 || rows < 1 || rowStart + rows > batchSize) {
            throw new IllegalArgumentException("rows " + rowStart + ".." + (rowStart + rows - 1) + " are not rows of a batch of " + batchSize);
        }
        this.rowStart = rowStart;
        this.rows = rows;
        if (images.count() == 0) {
            throw new IllegalArgumentException("no training images");
        }
        this.images = images;
        this.batchSize = batchSize;
        this.seed = seed;
        this.flip = flip;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ddpm4j-batches");
            t.setDaemon(true);
            return t;
        });
    }

    public ImageSource images() {
        return images;
    }

    /** Batch n's rows as float32 NCHW in [−1, 1]; batches n+1, n+2 are started in the background. */
    public float[] batch(long n) {
        Future<float[]> f;
        synchronized (pending) {
            f = pending.remove(n);
            if (f == null) {
                f = worker.submit(() -> build(n));
            }
            for (long k = n + 1; k <= n + AHEAD; k++) {
                final long step = k;
                pending.computeIfAbsent(k, key -> worker.submit(() -> build(step)));
            }
            pending.keySet().removeIf(k -> k < n);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing a batch", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not prepare batch " + n + ": " + e.getCause(), e.getCause());
        }
    }

    /** Dataset indices of batch n. */
    int[] indices(long n) {
        int count = images.count();
        int[] out = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            long global = n * batchSize + i;
            out[i] = order(global / count)[(int) (global % count)];
        }
        return out;
    }

    private synchronized int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int count = images.count();
            int[] perm = new int[count];
            for (int i = 0; i < count; i++) {
                perm[i] = i;
            }
            SplittableRandom r = new SplittableRandom(Seeds.of(seed, Seeds.DATA_ORDER, epoch));
            for (int i = count - 1; i > 0; i--) { // Fisher–Yates
                int j = r.nextInt(i + 1);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            cachedOrder = perm;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /** The class labels of batch n's images (the data must be labelled). */
    public int[] labels(long n) {
        int[] idx = indices(n);
        int[] out = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            out[i] = images.labels()[idx[i]];
        }
        return out;
    }

    float[] build(long n) {
        int[] idx = indices(n);
        int c = images.channels();
        int h = images.height();
        int w = images.width();
        int per = c * h * w;
        float[] out = new float[rows * per];
        for (int r = 0; r < rows; r++) {
            int i = rowStart + r;
            float[] one = images.modelSpace(idx[i], 1);
            boolean mirror = flip && new SplittableRandom(Seeds.of(seed, Seeds.FLIP, n * batchSize + i)).nextBoolean();
            if (mirror) {
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < h; y++) {
                        int row = (ch * h + y) * w;
                        for (int x = 0; x < w; x++) {
                            out[r * per + row + x] = one[row + w - 1 - x];
                        }
                    }
                }
            } else {
                System.arraycopy(one, 0, out, r * per, per);
            }
        }
        return out;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
