package ddpm4j.torch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The NVIDIA libraries libtorch's GPU build links against that JavaCPP 1.5.13 does not ship on
 * Maven Central; they must come from the machine (a CUDA 13 toolkit and cuDNN 9). Without them
 * the dynamic linker fails part-way through loading libtorch and the JVM crashes, so
 * {@link Natives} looks for them first and names what is missing.
 */
final class CudaLibraries {
    static final List<String> REQUIRED = List.of("libcublas.so.13", "libcublasLt.so.13", "libcusparse.so.12",
            "libcudnn.so.9", "libnccl.so.2");

    private CudaLibraries() {
    }

    /** The required libraries found neither on LD_LIBRARY_PATH nor in the dynamic linker's cache. */
    static List<String> missing() {
        String cache = linkerCache();
        List<String> missing = new ArrayList<>();
        for (String lib : REQUIRED) {
            if (!onLibraryPath(lib) && !cache.contains(lib + " ")) {
                missing.add(lib);
            }
        }
        return missing;
    }

    private static boolean onLibraryPath(String lib) {
        String path = System.getenv("LD_LIBRARY_PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.exists(Path.of(dir, lib))) {
                return true;
            }
        }
        return false;
    }

    /** {@code ldconfig -p}'s listing, or "" when it cannot be run. */
    private static String linkerCache() {
        for (String ldconfig : new String[] {"/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"}) {
            try {
                Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return out;
                }
            } catch (IOException e) {
                // try the next location
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }
        return "";
    }
}
