package ddpm4j.torch;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Loads libtorch and OpenBLAS from the JavaCPP jars, with OpenBLAS single-threaded: the CPU build
 * of libtorch, or its GPU build and the CUDA runtime when the {@code -Pcuda} profile put them on the
 * class path.
 *
 * <p>All native resources are extracted to the JavaCPP cache before the first library is loaded.
 * Loading lazily from a cold cache lets the dynamic linker pick a dependency such as
 * {@code libc10.so} from a system libtorch (Debian's python3-torch installs one) before the
 * bundled copy exists on disk, and the JVM then crashes. Call {@link #load()} before any
 * {@code org.bytedeco.pytorch} class is touched.
 */
public final class Natives {
    /**
     * Where the JavaCPP jars keep their native libraries: the CPU build's, then (with the
     * {@code -Pcuda} profile) libtorch's GPU build and the CUDA runtime.
     */
    private static final String[] RESOURCE_DIRS = {"javacpp/PLATFORM", "openblas/PLATFORM", "pytorch/PLATFORM",
            "pytorch/PLATFORM-gpu", "cuda/PLATFORM"};
    private static volatile boolean loaded;

    private Natives() {
    }

    /** Extracts every native resource, then loads libtorch. Idempotent and thread-safe. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (Natives.class) {
            if (loaded) {
                return;
            }
            String platform = Loader.getPlatform();
            if (Natives.class.getResource("/org/bytedeco/pytorch/" + platform + "/") == null
                    && Natives.class.getResource("/org/bytedeco/pytorch/" + platform + "-gpu/") == null) {
                throw new IllegalStateException("no libtorch for " + platform + " on the class path (org.bytedeco:pytorch:"
                        + platform + " or " + platform + "-gpu)");
            }
            if (Natives.class.getResource("/org/bytedeco/pytorch/" + platform + "-gpu/") != null) {
                List<String> missing = CudaLibraries.missing();
                if (!missing.isEmpty()) {
                    throw new IllegalStateException("this is the CUDA build of ddpm4j, and the dynamic linker finds no "
                            + String.join(", ", missing) + ": install CUDA 13's libraries and cuDNN 9 or add them to"
                            + " LD_LIBRARY_PATH (or use the CPU build: mvn package)");
                }
            }
            try {
                for (String dir : RESOURCE_DIRS) {
                    String path = "/org/bytedeco/" + dir.replace("PLATFORM", platform) + "/";
                    if (Natives.class.getResource(path) != null) { // the GPU build's and CUDA's exist only with -Pcuda
                        Loader.cacheResources(path);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract native libraries to the JavaCPP cache", e);
            }
            Loader.load(org.bytedeco.pytorch.global.torch.class);
            // libtorch parallelises with its own OpenMP pool; OpenBLAS's pool competing for the same
            // cores stalled both (measured: the cifar10 network's forward pass ran 2.8x slower).
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
            // oneDNN computes every float convolution libtorch would give NNPACK (it prefers oneDNN for
            // CPU floats); NNPACK unused costs nothing, but asking for it on a CPU it does not know (the
            // AMD EPYC) printed "Could not initialize NNPACK! Reason: Unsupported hardware." on every call.
            org.bytedeco.pytorch.global.torch.globalContext().setUserEnabledNNPACK(false);
            // libtorch sizes its pool from its own CPU detection, which gave one thread on the 2-core AMD EPYC:
            // start with the cores this JVM may use (affinity and container limits included)
            org.bytedeco.pytorch.global.torch.set_num_threads(Runtime.getRuntime().availableProcessors());
            loaded = true;
        }
    }
}
