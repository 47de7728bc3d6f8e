package ddpm4j.torch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** --precision auto is the rule of {@link PrecisionRule}, for every CPU kind met so far, and nothing timed decides it. */
class PrecisionRuleTest {
    /** The first lines of /proc/cpuinfo on the kinds of machine this project has run on, and one that tells nothing. */
    private static Cpu cpu(String name, String family, String model, String flags) {
        return Cpu.parse("model name\t: " + name + "\ncpu family\t: " + family + "\nmodel\t\t: " + model + "\nflags\t\t: " + flags + "\n");
    }

    private static final Cpu XEON_AMX = cpu("Intel(R) Xeon(R) Platinum", "6", "143", "fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile");
    private static final Cpu ZEN3 = cpu("AMD EPYC", "25", "1", "fpu sse avx2");
    private static final Cpu ZEN4 = cpu("AMD EPYC", "25", "17", "fpu sse avx2 avx512f avx512_bf16");
    private static final Cpu ZEN5 = cpu("AMD EPYC", "26", "2", "fpu sse avx2 avx512f avx512_bf16");
    private static final Cpu UNKNOWN = new Cpu("aarch64", "", "", java.util.Set.of());

    @Test
    void samplingIsFp32OnEveryCpuAndTrainingIsBf16WhereTheCpuComputesItNatively() {
        for (Cpu c : List.of(XEON_AMX, ZEN3, ZEN4, ZEN5, UNKNOWN)) {
            assertEquals(Precision.FP32, PrecisionRule.of(PrecisionRule.Work.SAMPLING, Device.CPU, c).precision(), c.describe());
        }
        assertEquals(Precision.BF16, PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU, XEON_AMX).precision());
        assertEquals(Precision.BF16, PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU, ZEN4).precision());
        assertEquals(Precision.BF16, PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU, ZEN5).precision());
        assertEquals(Precision.FP32, PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU, ZEN3).precision(), "bf16 is emulated there");
        assertEquals(Precision.FP32, PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU, UNKNOWN).precision(), "nothing known of the CPU");
    }

    @Test
    void offTheCpuItIsFp32() {
        for (PrecisionRule.Work w : PrecisionRule.Work.values()) {
            assertEquals(Precision.FP32, PrecisionRule.of(w, new Device("cuda", 0), ZEN4).precision());
            assertEquals(Precision.FP32, PrecisionRule.of(w, Device.META, XEON_AMX).precision());
        }
    }

    /**
     * No clock in the decision: the rule and what it reads (the CPU's description, the device) refer to no
     * timer, so no timing, however noisy, can change a default precision. Read from the compiled classes'
     * constant pools, where every method a class calls is named.
     */
    @Test
    void nothingThatDecidesTheDefaultReadsAClock() throws IOException {
        for (Class<?> c : List.of(PrecisionRule.class, PrecisionRule.Choice.class, PrecisionRule.Work.class, Cpu.class, Device.class)) {
            String pool = constants(c);
            for (String clock : List.of("nanoTime", "currentTimeMillis", "java/time/", "ThreadMXBean")) {
                assertFalse(pool.contains(clock), c.getSimpleName() + " refers to " + clock);
            }
        }
    }

    private static String constants(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
            assertNotNull(in, c.getName());
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
