package ddpm4j.torch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuTest {
    private static String processor(String name, int family, int model, String flags) {
        return "processor\t: 0\nvendor_id\t: X\ncpu family\t: " + family + "\nmodel\t\t: " + model + "\nmodel name\t: " + name
                + "\nflags\t\t: " + flags + "\n\nprocessor\t: 1\nmodel name\t: other\nflags\t\t: avx512f amx_bf16\n";
    }

    /** Two "AMD EPYC"s of this project's machines, told apart by what oneDNN and bf16 depend on. */
    @Test
    void sameNamedCpusAreToldApartByFamilyModelAndVectorExtensions() {
        Cpu zen3 = Cpu.parse(processor("AMD EPYC", 25, 1, "fpu sse avx avx2 fma"));
        Cpu zen5 = Cpu.parse(processor("AMD EPYC", 26, 2, "fpu avx2 avx512f avx512_bf16 avx512_vnni"));
        Cpu xeon = Cpu.parse(processor("Intel(R) Xeon(R) Platinum 8488C", 6, 143, "avx2 avx512f avx512_bf16 amx_bf16 amx_tile"));
        assertEquals("AMD EPYC (family 25 model 1, AVX2)", zen3.describe());
        assertEquals("AMD EPYC (family 26 model 2, AVX-512 + AVX512_BF16)", zen5.describe());
        assertEquals("Intel(R) Xeon(R) Platinum 8488C (family 6 model 143, AVX-512 + AMX)", xeon.describe());
        assertFalse(zen3.nativeBfloat16());
        assertTrue(zen5.nativeBfloat16() && xeon.nativeBfloat16());
    }

    @Test
    void anUnknownCpuIsNamedByItsArchitectureAndAssumedToHaveBfloat16() {
        Cpu none = Cpu.parse("");
        assertFalse(none.known());
        assertTrue(none.nativeBfloat16());
        assertEquals(System.getProperty("os.arch") + " (unknown ISA)", none.describe());
    }
}
