package ddpm4j.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * The arithmetic a network's forward pass runs in. {@code FP32} is exact float32, the precision
 * of the reference implementations. {@code BF16} is libtorch's CPU autocast: convolutions and
 * matrix products take bfloat16 inputs (float32 accumulation inside oneDNN), normalisations and
 * reductions stay float32; the output is returned as float32. On CPUs with AMX or AVX512-BF16 it
 * is several times faster; elsewhere it may be slower.
 */
public enum Precision {
    FP32, BF16;

    private static volatile Precision fallback = FP32;

    /** The precision of networks created from now on (the CLI's {@code --precision}). */
    public static void setDefault(Precision p) {
        fallback = p;
    }

    public static Precision getDefault() {
        return fallback;
    }

    /** {@code fp32} or {@code bf16}, in any case. */
    public static Precision of(String name) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "' (fp32 or bf16)");
    }

    /** Runs {@code forward} in this precision on the calling thread; the result is float32. */
    public Tensor run(Supplier<Tensor> forward) {
        if (this == FP32) {
            return forward.get();
        }
        Natives.load();
        boolean wasEnabled = torch.is_autocast_enabled(torch.DeviceType.CPU);
        torch.ScalarType wasType = torch.get_autocast_dtype(torch.DeviceType.CPU);
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        torch.increment_nesting();
        try {
            return forward.get().to(torch.ScalarType.Float);
        } finally {
            if (torch.decrement_nesting() == 0) {
                torch.clear_cache(); // bfloat16 copies of the weights: the weights may change before the next pass
            }
            torch.set_autocast_enabled(torch.DeviceType.CPU, wasEnabled);
            torch.set_autocast_dtype(torch.DeviceType.CPU, wasType);
        }
    }

    /** Whether the calling thread is inside {@link #BF16}'s autocast. */
    static boolean inBf16Autocast() {
        return torch.is_autocast_enabled(torch.DeviceType.CPU)
                && torch.get_autocast_dtype(torch.DeviceType.CPU).value == torch.ScalarType.BFloat16.value;
    }

    /** Runs {@code work} with autocast off on the calling thread, then restores the caller's state. */
    static <T> T withoutAutocast(Supplier<T> work) {
        boolean wasEnabled = torch.is_autocast_enabled(torch.DeviceType.CPU);
        torch.set_autocast_enabled(torch.DeviceType.CPU, false);
        try {
            return work.get();
        } finally {
            torch.set_autocast_enabled(torch.DeviceType.CPU, wasEnabled);
        }
    }

    /**
     * Whether this CPU computes bfloat16 products natively (AMX or AVX512-BF16, from
     * /proc/cpuinfo); without them libtorch emulates bfloat16 and {@code BF16} is slower than
     * {@code FP32}. Unknown (not Linux): true.
     */
    public static boolean nativeBfloat16() {
        try {
            String info = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
            return info.contains(" amx_bf16") || info.contains(" avx512_bf16");
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
