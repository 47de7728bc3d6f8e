package ddpm4j.cli;

import ddpm4j.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where outputs go: missing folders are made, a directory or a read-only place is a one-line refusal leaving nothing. */
class OutputPathsCliTest {
    @TempDir
    Path dir;

    private static Cli predict(Path out) {
        return Cli.run("predict", "--model", CliTest.MODEL, "--x", CliTest.X, "--t", CliTest.T, "--out", out.toString());
    }

    @Test
    void missingFoldersAreCreatedAndTheHelpSaysSo() {
        Path out = dir.resolve("a/b/o.npy");
        Cli r = predict(out);
        assertEquals(0, r.exit, r.toString());
        assertTrue(Files.isRegularFile(out));
        assertTrue(Cli.run("predict", "--help").out.contains("Missing folders are created."));
    }

    @Test
    void anOutputThatIsADirectoryIsRefused() throws Exception {
        Path out = Files.createDirectory(dir.resolve("o.npy"));
        Cli r = predict(out);
        assertEquals(2, r.exit, r.toString());
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.contains(out + " is a directory"), r.err);
        try (var files = Files.list(out)) {
            assertEquals(0, files.count(), "nothing written into it");
        }
    }

    @Test
    void aReadOnlyPlaceIsRefusedWithNothingPartial() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("ro"), "1m", "ro")) {
            assumeTrue(fs != null, "cannot mount a tmpfs here");
            for (Path out : new Path[] {fs.root().resolve("o.npy"), fs.root().resolve("sub/o.npy")}) {
                Cli r = predict(out);
                assertEquals(2, r.exit, r.toString());
                assertEquals(1, r.err.strip().lines().count(), r.err);
                assertTrue(r.err.contains(fs.root().toString()), r.err);
            }
            try (var files = Files.list(fs.root())) {
                assertFalse(files.findAny().isPresent(), "nothing partial");
            }
        }
    }
}
