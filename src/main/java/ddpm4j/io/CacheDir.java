package ddpm4j.io;

import java.nio.file.Path;

/** Where ddpm4j keeps downloads and extracted built-ins. */
public final class CacheDir {
    private CacheDir() {
    }

    /** The system property {@code ddpm4j.cache}, else ~/.cache/ddpm4j. */
    public static Path root() {
        String p = System.getProperty("ddpm4j.cache");
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".cache", "ddpm4j");
    }
}
