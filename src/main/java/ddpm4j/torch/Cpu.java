package ddpm4j.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CPU this process runs on, as {@code /proc/cpuinfo} describes its first processor. Two
 * machines with the same model name can differ in what matters here (an "AMD EPYC" may be a Zen 3
 * with AVX2 only or a Zen 5 with AVX-512 and AVX512_BF16), so the family, model and vector
 * extensions are part of its description.
 *
 * @param name   the model name ("AMD EPYC"), or the JVM's {@code os.arch} where unknown
 * @param family the CPU family number, empty where unknown
 * @param model  the model number within the family, empty where unknown
 * @param flags  the feature flags; empty where unknown
 */
public record Cpu(String name, String family, String model, Set<String> flags) {
    private static final Cpu CURRENT = read(Path.of("/proc/cpuinfo"));

    /** This machine's CPU. */
    public static Cpu current() {
        return CURRENT;
    }

    /** The first processor of a {@code /proc/cpuinfo} text. */
    static Cpu parse(String cpuinfo) {
        Map<String, String> fields = new HashMap<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                break; // the first processor ends here
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        String flags = fields.getOrDefault("flags", "");
        return new Cpu(fields.getOrDefault("model name", System.getProperty("os.arch")), fields.getOrDefault("cpu family", ""),
                fields.getOrDefault("model", ""), flags.isEmpty() ? Set.of() : Set.of(flags.split("\\s+")));
    }

    private static Cpu read(Path cpuinfo) {
        try {
            return parse(Files.readString(cpuinfo));
        } catch (IOException | RuntimeException e) {
            return new Cpu(System.getProperty("os.arch"), "", "", Set.of());
        }
    }

    /** Whether the flags are known (Linux). */
    public boolean known() {
        return !flags.isEmpty();
    }

    /**
     * Whether the CPU computes bfloat16 products natively (AMX or AVX512_BF16); without them
     * libtorch emulates bfloat16, many times slower than float32. Unknown: true.
     */
    public boolean nativeBfloat16() {
        return !known() || flags.contains("amx_bf16") || flags.contains("avx512_bf16");
    }

    /** The widest vector extensions oneDNN can use, e.g. {@code AVX-512 + AVX512_BF16}. */
    public String vectorIsa() {
        if (!known()) {
            return "unknown ISA";
        }
        String base = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "no AVX2";
        return base + (flags.contains("amx_bf16") ? " + AMX" : flags.contains("avx512_bf16") ? " + AVX512_BF16" : "");
    }

    /** E.g. {@code AMD EPYC (family 25 model 1, AVX2)}: what a measurement's reader needs to know of the CPU. */
    public String describe() {
        String id = family.isEmpty() ? "" : String.format(Locale.ROOT, "family %s model %s, ", family, model);
        return name + " (" + id + vectorIsa() + ")";
    }
}
