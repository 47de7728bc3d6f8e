package ddpm4j.torch;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Loads libtorch and OpenBLAS from the JavaCPP jars, with OpenBLAS single-threaded.
 *
 * <p>All native resources are extracted to the JavaCPP cache before the first library is loaded.
 * Loading lazily from a cold cache lets the dynamic linker pick a dependency such as
 * {@code libc10.so} from a system libtorch (Debian's python3-torch installs one) before the
 * bundled copy exists on disk, and the JVM then crashes. Call {@link #load()} before any
 * {@code org.bytedeco.pytorch} class is touched.
 */
public final class Natives {
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
            try {
                Loader.cacheResources("/org/bytedeco/javacpp/" + platform + "/");
                Loader.cacheResources("/org/bytedeco/openblas/" + platform + "/");
                Loader.cacheResources("/org/bytedeco/pytorch/" + platform + "/");
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
            loaded = true;
        }
    }
}
