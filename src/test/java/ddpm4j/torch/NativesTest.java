package ddpm4j.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativesTest {
    /**
     * A cold JavaCPP cache next to a system libtorch (Debian's python3-torch) crashed the JVM on
     * first load; Natives extracts everything first. The child JVM starts from an empty cache.
     */
    @Test
    void loadsFromAColdCache(@TempDir Path cache) throws Exception {
        String out = probe("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        assertTrue(out.contains("sum=12.0"), out);
        try (var files = Files.walk(cache)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("libtorch_cpu")), "libtorch extracted");
        }
    }

    /** libtorch's own detection gave one thread on the AMD EPYC; the JVM's count (here forced to 3) is what it gets. */
    @Test
    void intraOpThreadsAreTheCoresTheJvmMayUse() throws Exception {
        String out = probe("-XX:ActiveProcessorCount=3");
        assertTrue(out.contains("threads=3 cores=3"), out);
    }

    /** {@link ColdStartProbe} in a child JVM with {@code jvmOption}; its output once it exited with 0. */
    private static String probe(String jvmOption) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, jvmOption, "-cp", System.getProperty("java.class.path"),
                ColdStartProbe.class.getName()).redirectErrorStream(true).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child JVM failed:\n" + out);
        return out;
    }

    @Test
    void tensorRoundTrip() {
        float[] v = {1, 2, 3, 4, 5, 6};
        var t = Tensors.fromFloats(v, 2, 3);
        assertEquals(2, t.size(0));
        assertEquals(3, t.size(1));
        org.junit.jupiter.api.Assertions.assertArrayEquals(v, Tensors.toFloats(t));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Tensors.fromFloats(v, 4, 2));
    }
}
