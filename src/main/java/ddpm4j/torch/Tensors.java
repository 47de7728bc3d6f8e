package ddpm4j.torch;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * Copies between Java arrays and tensors: new tensors are made on the CPU (move them with
 * {@link Device#put}); reading copies a tensor on any device to the host first.
 */
public final class Tensors {
    private Tensors() {
    }

    /** A new float32 tensor holding a copy of {@code data}, laid out in C order with {@code shape}. */
    public static Tensor fromFloats(float[] data, long... shape) {
        checkCount(data.length, shape);
        Natives.load();
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), null);
        new FloatPointer(t.data_ptr()).put(data, 0, data.length);
        return t;
    }

    /** A new int64 tensor holding a copy of {@code data}. */
    public static Tensor fromLongs(long[] data, long... shape) {
        checkCount(data.length, shape);
        Natives.load();
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), null);
        new LongPointer(t.data_ptr()).put(data, 0, data.length);
        return t;
    }

    /**
     * Overwrites the elements of {@code target} (float32, contiguous, on any device) with
     * {@code data} in C order, without autograd seeing it: the way weights and optimizer state
     * are filled from files.
     */
    public static void write(Tensor target, float[] data) {
        if (target.scalar_type().value != torch.ScalarType.Float.value || !target.is_contiguous()
                || count(shape(target)) != data.length) {
            throw new IllegalStateException("not a contiguous float32 tensor of " + data.length + " elements");
        }
        if (target.is_cpu()) {
            new FloatPointer(target.data_ptr()).put(data, 0, data.length);
            return;
        }
        try (NoGradGuard guard = new NoGradGuard()) {
            target.copy_(fromFloats(data, shape(target)));
        }
    }

    /** The elements of {@code t} as float32 in C order. */
    public static float[] toFloats(Tensor t) {
        Tensor c = host(t, torch.ScalarType.Float);
        float[] out = new float[Math.toIntExact(c.numel())];
        new FloatPointer(c.data_ptr()).get(out, 0, out.length);
        return out;
    }

    /** The elements of an integer tensor as int64, in C order. */
    public static long[] toLongs(Tensor t) {
        Tensor c = host(t, torch.ScalarType.Long);
        long[] out = new long[Math.toIntExact(c.numel())];
        new LongPointer(c.data_ptr()).get(out, 0, out.length);
        return out;
    }

    /** The elements of a uint8 tensor in C order. */
    public static byte[] toBytes(Tensor t) {
        Tensor c = host(t, torch.ScalarType.Byte);
        byte[] out = new byte[Math.toIntExact(c.numel())];
        new BytePointer(c.data_ptr()).get(out, 0, out.length);
        return out;
    }

    /** {@code t} as a contiguous CPU tensor of {@code type} (itself when it already is one). */
    private static Tensor host(Tensor t, torch.ScalarType type) {
        if (t.is_meta()) {
            throw new IllegalArgumentException("a tensor on the meta device has no values to read");
        }
        return t.to(Device.CPU.toTorch(), type).contiguous();
    }

    /** The shape of {@code t}. */
    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** The number of elements of a shape, failing on overflow. */
    public static long count(long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void checkCount(int length, long[] shape) {
        if (count(shape) != length) {
            throw new IllegalArgumentException(
                    length + " values do not fill shape " + Arrays.toString(shape));
        }
    }
}
