package ddpm4j.io;

import java.util.Arrays;

/**
 * A float32 array in C order with its shape: the unit the file formats read and write.
 *
 * @param shape dimensions, outermost first
 * @param data  {@code product(shape)} values
 */
public record FloatArray(long[] shape, float[] data) {
    public FloatArray {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    public long count() {
        return data.length;
    }

    @Override
    public String toString() {
        return "FloatArray" + Arrays.toString(shape);
    }
}
