package ddpm4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import ddpm4j.data.Cifar10;
import ddpm4j.data.Idx;
import ddpm4j.data.ImageFolder;
import ddpm4j.io.ConfigJson;
import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import ddpm4j.io.Safetensors;
import ddpm4j.io.TorchPickle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every parser of files that come from strangers, fed arbitrary bytes: a malformed file must end
 * in a FormatException (a one-line error naming the file), never another exception, a hang or a
 * crash. In the default test run each target replays its corpus (ParsersFuzzTestInputs/); a
 * fuzzing campaign runs with JAZZER_FUZZ=1 (see .ci/fuzz). Inputs that found bugs are kept in the
 * corpus as regression tests.
 */
class ParsersFuzzTest {
    private static final long MAX_INPUT = 1 << 20;

    @FunctionalInterface
    interface Parser {
        void parse(Path file) throws IOException;
    }

    /** Writes the bytes to a file of the given extension and parses it; only FormatException may come out. */
    static void check(byte[] data, String suffix, Parser parser) throws IOException {
        if (data.length > MAX_INPUT) {
            return;
        }
        Path file = Files.createTempFile("ddpm4j-fuzz-", suffix);
        try {
            Files.write(file, data);
            parser.parse(file);
        } catch (FormatException expected) {
            // a malformed file, reported as such
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void safetensors(byte[] data) throws IOException {
        check(data, ".safetensors", Safetensors::read);
    }

    @FuzzTest(maxDuration = "2m")
    void npy(byte[] data) throws IOException {
        check(data, ".npy", Npy::read);
    }

    @FuzzTest(maxDuration = "2m")
    void npz(byte[] data) throws IOException {
        check(data, ".npz", Npz::read);
    }

    @FuzzTest(maxDuration = "2m")
    void idxImages(byte[] data) throws IOException {
        check(data, ".idx", f -> Idx.readImages(new ByteArrayInputStream(data), f));
    }

    @FuzzTest(maxDuration = "2m")
    void idxLabels(byte[] data) throws IOException {
        check(data, ".idx", Idx::readLabels);
    }

    @FuzzTest(maxDuration = "2m")
    void cifar10(byte[] data) throws IOException {
        check(data, ".bin", f -> Cifar10.read(List.of(f)));
    }

    @FuzzTest(maxDuration = "2m")
    void unetConfig(byte[] data) throws IOException {
        check(data, ".json", ConfigJson::readUNet);
    }

    @FuzzTest(maxDuration = "2m")
    void schedulerConfig(byte[] data) throws IOException {
        check(data, ".json", ConfigJson::readScheduler);
    }

    @FuzzTest(maxDuration = "2m")
    void torchCheckpoint(byte[] data) throws IOException {
        check(data, ".pth", TorchPickle::readStateDict);
    }

    @FuzzTest(maxDuration = "2m")
    void png(byte[] data) throws IOException {
        check(data, ".png", ParsersFuzzTest::folderOf);
    }

    @FuzzTest(maxDuration = "2m")
    void jpeg(byte[] data) throws IOException {
        check(data, ".jpg", ParsersFuzzTest::folderOf);
    }

    /** Reads the image as the only file of a folder, at its own size and resized. */
    private static void folderOf(Path image) throws IOException {
        Path dir = Files.createTempDirectory("ddpm4j-fuzz-");
        Path copy = dir.resolve("x" + image.getFileName().toString().replaceAll(".*(\\.[a-z]+)$", "$1"));
        try {
            Files.copy(image, copy);
            ImageFolder.read(dir, 8);
            ImageFolder.read(dir, ImageFolder.nativeOr(8));
        } finally {
            Files.deleteIfExists(copy);
            Files.delete(dir);
        }
    }
}
