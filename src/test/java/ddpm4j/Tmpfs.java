package ddpm4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small tmpfs mounted for a test: a real file system that can fill up or turn read-only (root
 * ignores file modes, so a read-only mount is the honest way to refuse writes). Needs permission
 * to mount; {@link #mount} returns null without it, for the test to skip.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path root;

    private Tmpfs(Path root) {
        this.root = root;
    }

    /** Mounts a tmpfs of {@code size} (e.g. "64m") with {@code options} (e.g. "ro", or "") at a new folder {@code dir}. */
    public static Tmpfs mount(Path dir, String size, String options) throws Exception {
        Files.createDirectories(dir);
        String o = "size=" + size + (options.isEmpty() ? "" : "," + options);
        return run("mount", "-t", "tmpfs", "-o", o, "tmpfs", dir.toString()) == 0 ? new Tmpfs(dir) : null;
    }

    public Path root() {
        return root;
    }

    /** Remounts with {@code options} ("ro" or "rw"); whether it could. */
    public boolean remount(String options) throws Exception {
        return run("mount", "-o", "remount," + options, root.toString()) == 0;
    }

    @Override
    public void close() throws Exception {
        if (run("umount", root.toString()) != 0) {
            run("umount", "-l", root.toString()); // lazily, so the temporary directory can be deleted
        }
    }

    private static int run(String... command) throws Exception {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException noSuchCommand) {
            return -1;
        }
    }
}
