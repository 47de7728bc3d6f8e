package ddpm4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Models and judges shipped inside the jar, used by name where a directory is expected
 * ({@code --model fashion-mnist}). On first use a built-in is copied out of the jar into
 * ~/.cache/ddpm4j/builtin/KIND/NAME-HASH (HASH of its files, so a new release never reuses old
 * files), through a temporary folder renamed into place.
 */
public final class Builtins {
    /** What can be built in, and the files each consists of. */
    public enum Kind {
        MODEL("models", List.of(ModelDirectory.CONFIG, ModelDirectory.SCHEDULER, ModelDirectory.WEIGHTS)),
        JUDGE("judges", List.of(JudgeFiles.CONFIG, JudgeFiles.WEIGHTS));

        /** Whether {@code dir} on disk is one of these (a model or judge directory, not e.g. a data folder). */
        boolean isOne(Path dir) {
            return this == MODEL
                    ? Files.isRegularFile(dir.resolve(ModelDirectory.CONFIG)) || Files.isRegularFile(dir.resolve(ModelDirectory.MODEL_INDEX))
                    : Files.isRegularFile(dir.resolve(JudgeFiles.CONFIG));
        }

        final String folder;
        final List<String> files;

        Kind(String folder, List<String> files) {
            this.folder = folder;
            this.files = files;
        }
    }

    /** The built-ins of each kind; their files live under /ddpm4j/builtin/FOLDER/NAME/ in the jar. */
    private static final Map<Kind, List<String>> NAMES = Map.of(
            Kind.MODEL, List.of("fashion-mnist"),
            Kind.JUDGE, List.of("fashion-mnist"));

    private Builtins() {
    }

    public static List<String> names(Kind kind) {
        return NAMES.get(kind);
    }

    /**
     * {@code given} itself when it is such a directory on disk or names no built-in; otherwise the
     * folder the built-in of that name was extracted to (so a data folder called fashion-mnist in
     * the working directory does not hide the built-in).
     */
    public static Path resolve(Kind kind, Path given) throws IOException {
        String name = given.toString();
        if (kind.isOne(given) || !NAMES.get(kind).contains(name)) {
            return given;
        }
        Map<String, byte[]> files = read(kind, name);
        Path dir = CacheDir.root().resolve("builtin").resolve(kind.folder).resolve(name + "-" + hash(files));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), "." + name + ".");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(tmp.resolve(e.getKey()), e.getValue());
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
            // another process extracted the same files first
        } finally {
            if (Files.isDirectory(tmp)) {
                for (String f : files.keySet()) {
                    Files.deleteIfExists(tmp.resolve(f));
                }
                Files.deleteIfExists(tmp);
            }
        }
        return dir;
    }

    private static Map<String, byte[]> read(Kind kind, String name) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String f : kind.files) {
            String resource = "/ddpm4j/builtin/" + kind.folder + "/" + name + "/" + f;
            try (InputStream in = Builtins.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("built-in " + name + " is incomplete: " + resource + " is missing from the jar");
                }
                out.put(f, in.readAllBytes());
            }
        }
        return out;
    }

    private static String hash(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                sha.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update(e.getValue());
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
