package ddpm4j.dist;

import ddpm4j.torch.Batches;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;

import java.lang.reflect.Array;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * A long run of images in batches, the batches dealt round-robin across the ranks of a group and the
 * results gathered: each rank computes exactly the batches (same first image, same size) that one process
 * computes, so the gathered result is the single process's, bit for bit.
 */
public final class ShardedBatches {
    /** The {@code size × per} floats of images {@code first .. first+size−1}. */
    @FunctionalInterface
    public interface Work {
        float[] run(int first, int size);
    }

    /** The {@code size × per} doubles of images {@code first .. first+size−1}. */
    @FunctionalInterface
    public interface DoubleWork {
        double[] run(int first, int size);
    }

    private ShardedBatches() {
    }

    /** How many of {@code count} images (in batches of {@code batchSize}) rank {@code rank} of {@code size} computes. */
    public static int imagesOf(int count, int batchSize, int rank, int size) {
        int images = 0;
        for (int first = 0, j = 0; first < count; first += batchSize, j++) {
            images += Shards.ownsBatch(j, rank, size) ? Math.min(batchSize, count - first) : 0;
        }
        return images;
    }

    /** How many of the batches of {@code count} images rank {@code rank} of {@code size} computes. */
    public static int batchesOf(int count, int batchSize, int rank, int size) {
        int batches = (count + batchSize - 1) / batchSize;
        return batches / size + (rank < batches % size ? 1 : 0);
    }

    /**
     * Runs {@code work} on this rank's batches (each in its own native memory scope) and returns every
     * image's {@code per} floats, in image order, on every rank.
     */
    public static float[] run(Group group, int count, int batchSize, int per, Work work) {
        return (float[]) run(group, count, batchSize, per, float[]::new, work::run, mine -> {
            try (PointerScope scope = new PointerScope()) {
                float[] v = (float[]) mine;
                return Tensors.toFloats(group.allgather(Tensors.fromFloats(v, v.length)));
            }
        });
    }

    /** {@link #run} for doubles (gathered as their bit patterns, exactly). */
    public static double[] runDoubles(Group group, int count, int batchSize, int per, DoubleWork work) {
        return (double[]) run(group, count, batchSize, per, double[]::new, work::run, mine -> {
            double[] v = (double[]) mine;
            long[] bits = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                bits[i] = Double.doubleToRawLongBits(v[i]);
            }
            long[] all;
            try (PointerScope scope = new PointerScope()) {
                all = Tensors.toLongs(group.allgather(Tensors.fromLongs(bits, bits.length)));
            }
            double[] out = new double[all.length];
            for (int i = 0; i < all.length; i++) {
                out[i] = Double.longBitsToDouble(all[i]);
            }
            return out;
        });
    }

    /** The batch loop over primitive arrays: {@code gather} turns this rank's slots into every rank's, in rank order. */
    private static Object run(Group group, int count, int batchSize, int per, IntFunction<Object> array,
                              java.util.function.BiFunction<Integer, Integer, Object> work, UnaryOperator<Object> gather) {
        Object result = array.apply(Math.multiplyExact(count, per));
        if (group.size() == 1) {
            Batches.each(count, batchSize, (first, b) -> System.arraycopy(checked(work.apply(first, b), b, per), 0, result, first * per, b * per));
            return result;
        }
        int batches = (count + batchSize - 1) / batchSize;
        int slots = (batches + group.size() - 1) / group.size();
        int slot = Math.multiplyExact(batchSize, per);
        Object mine = array.apply(Math.multiplyExact(slots, slot));
        Batches.each(count, batchSize, (first, b) -> {
            int j = first / batchSize;
            if (Shards.ownsBatch(j, group.rank(), group.size())) {
                System.arraycopy(checked(work.apply(first, b), b, per), 0, mine, (j / group.size()) * slot, b * per);
            }
        });
        Object all = gather.apply(mine);
        for (int j = 0; j < batches; j++) {
            int first = j * batchSize;
            int b = Math.min(batchSize, count - first);
            int from = ((j % group.size()) * slots + j / group.size()) * slot;
            System.arraycopy(all, from, result, first * per, b * per);
        }
        return result;
    }

    private static Object checked(Object v, int b, int per) {
        if (Array.getLength(v) != b * per) {
            throw new IllegalStateException("a batch of " + b + " gave " + Array.getLength(v) + " values, expected " + b * per);
        }
        return v;
    }
}
