package ddpm4j.train;

import ddpm4j.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checkpoints on a real file system that runs out of space or turns read-only: a small tmpfs
 * mounted for the test (root ignores file modes, so a read-only mount is the honest way to refuse
 * writes). Skipped where the test may not mount.
 */
class WriteFailureTest {
    @TempDir
    Path dir;
    private Tmpfs tmpfs;
    private Path fs;

    @BeforeEach
    void mount() throws Exception {
        tmpfs = Tmpfs.mount(dir.resolve("fs"), "64m", "");
        assumeTrue(tmpfs != null, "cannot mount a tmpfs here");
        fs = tmpfs.root();
    }

    @AfterEach
    void unmount() throws Exception {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Test
    void aFullDiskLeavesThePreviousCheckpointIntactAndSaysWhatFailed() throws Exception {
        Path out = fs.resolve("run");
        try (Trainer trainer = Trainer.start(out, TrainerTest.ARCH, TrainerTest.PROCESS, TrainerTest.settings(10), TrainerTest.images())) {
            trainer.run(new Trainer.Listener() { });
            Map<Path, byte[]> saved = contents(out.resolve(Checkpoint.DIR));
            Path filler = fill(fs);
            trainer.stepOnce();
            IOException e = assertThrows(IOException.class, trainer::checkpoint);
            assertTrue(e.getMessage().contains("could not write checkpoint step-000000011"), e.getMessage());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertTrue(e.getMessage().contains("the previous checkpoint step-000000010 is intact"), e.getMessage());
            Files.delete(filler);
            assertEquals(saved.keySet(), contents(out.resolve(Checkpoint.DIR)).keySet(), "no leftovers of the failed save");
            saved.forEach((file, bytes) -> assertArrayEquals(bytes, read(file), file.toString()));
            assertEquals(10, Checkpoint.load(out).step());
            trainer.checkpoint(); // with space again, the same trainer saves
            assertEquals(11, Checkpoint.load(out).step());
        }
    }

    @Test
    void aReadOnlyDirectoryLeavesThePreviousCheckpointIntactAndSaysWhatFailed() throws Exception {
        Path out = fs.resolve("run");
        try (Trainer trainer = Trainer.start(out, TrainerTest.ARCH, TrainerTest.PROCESS, TrainerTest.settings(10), TrainerTest.images())) {
            trainer.run(new Trainer.Listener() { });
        }
        Map<Path, byte[]> saved = contents(out.resolve(Checkpoint.DIR));
        Checkpoint.State s = Checkpoint.load(out);
        Checkpoint.State next = new Checkpoint.State(11, s.settings(), s.weights(), s.ema(), s.optimizer(), s.timesteps(), s.pending(), s.best(), s.profiles());
        // a file system with files open for writing cannot turn read-only, hence the closed trainer
        assumeTrue(tmpfs.remount("ro"), "cannot remount the tmpfs read-only here");
        try {
            IOException e = assertThrows(IOException.class, () -> Checkpoint.save(out, next));
            assertTrue(e.getMessage().contains("could not write checkpoint step-000000011"), e.getMessage());
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            assertTrue(e.getMessage().contains("the previous checkpoint step-000000010 is intact"), e.getMessage());
        } finally {
            assertTrue(tmpfs.remount("rw"));
        }
        assertEquals(saved.keySet(), contents(out.resolve(Checkpoint.DIR)).keySet());
        saved.forEach((file, bytes) -> assertArrayEquals(bytes, read(file), file.toString()));
        assertEquals(10, Checkpoint.load(out).step());
    }

    /** Fills the file system to the last byte; returns the file that does it. */
    private static Path fill(Path fs) throws IOException {
        Path filler = fs.resolve("filler");
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int chunk : new int[] {1 << 16, 1 << 12, 1}) {
                byte[] bytes = new byte[chunk];
                try {
                    while (true) {
                        out.write(bytes);
                        out.flush();
                    }
                } catch (IOException full) {
                    // next, smaller chunk
                }
            }
        } catch (IOException closeOnFullDisk) {
            // the file keeps what was written
        }
        return filler;
    }

    private static Map<Path, byte[]> contents(Path root) throws IOException {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                files.put(p, Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
            }
        }
        return files;
    }

    private static byte[] read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
