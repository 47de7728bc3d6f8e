package ddpm4j.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * The arithmetic a network's forward pass runs in. {@code FP32} is exact float32, the precision
 * of the reference implementations. {@code BF16} and {@code FP16} are libtorch's autocast on the
 * network's device: convolutions and matrix products take 16-bit inputs (float32 accumulation),
 * normalisations and reductions stay float32; the output is returned as float32. On CPUs with AMX
 * or AVX512-BF16, bf16 is several times faster; elsewhere it may be slower. fp16 is for CUDA.
 */
public enum Precision {
    FP32(null), BF16(torch.ScalarType.BFloat16), FP16(torch.ScalarType.Half);

    /** The autocast type, null for none. */
    private final torch.ScalarType autocastType;

    Precision(torch.ScalarType autocastType) {
        this.autocastType = autocastType;
    }

    /** {@code fp32}, {@code bf16} or {@code fp16}, in any case (a run's settings.json holds it so). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static Precision of(String name) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "' (fp32, bf16 or fp16)");
    }

    /** This precision, if a network on {@code device} can run in it (fp16 needs CUDA); else an exception. */
    public Precision requireSupportedOn(Device device) {
        if (this == FP16 && !device.isCuda() && !device.equals(Device.META)) {
            throw new IllegalArgumentException("fp16 runs on CUDA devices only (on " + device + " use fp32 or bf16)");
        }
        return this;
    }

    /** Runs {@code forward} of a network on {@code device} in this precision on the calling thread; the result is float32. */
    public Tensor run(Device device, Supplier<Tensor> forward) {
        if (autocastType == null || device.equals(Device.META)) {
            return forward.get(); // the meta device has shapes only: nothing to round
        }
        Natives.load();
        torch.DeviceType type = device.deviceType();
        boolean wasEnabled = torch.is_autocast_enabled(type);
        torch.ScalarType wasType = torch.get_autocast_dtype(type);
        torch.set_autocast_dtype(type, autocastType);
        torch.set_autocast_enabled(type, true);
        torch.increment_nesting();
        try {
            return forward.get().to(torch.ScalarType.Float);
        } finally {
            if (torch.decrement_nesting() == 0) {
                torch.clear_cache(); // 16-bit copies of the weights: the weights may change before the next pass
            }
            torch.set_autocast_enabled(type, wasEnabled);
            torch.set_autocast_dtype(type, wasType);
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

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
