package ddpm4j.io;

import ddpm4j.eval.Judge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuiltinsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void privateCache() {
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
    }

    @AfterEach
    void restore() {
        System.clearProperty("ddpm4j.cache");
    }

    @Test
    void pathsOnDiskAndUnknownNamesAreLeftAlone() throws Exception {
        Path existing = Files.createDirectories(dir.resolve("fashion-mnist"));
        Files.writeString(existing.resolve(JudgeFiles.CONFIG), "{}");
        assertEquals(existing, Builtins.resolve(Builtins.Kind.JUDGE, existing));
        assertEquals(Path.of("no-such-model"), Builtins.resolve(Builtins.Kind.MODEL, Path.of("no-such-model")));
    }

    @Test
    void theBuiltInJudgeIsExtractedOnceIntoTheCacheAndLoads() throws Exception {
        Path first = Builtins.resolve(Builtins.Kind.JUDGE, Path.of("fashion-mnist"));
        assertTrue(first.startsWith(dir.resolve("cache")), first.toString());
        assertEquals(first, Builtins.resolve(Builtins.Kind.JUDGE, Path.of("fashion-mnist")));
        try (var listing = Files.list(first.getParent())) {
            assertEquals(1, listing.count(), "no temporary folders left behind");
        }
        try (Judge judge = Judge.load(first)) {
            assertEquals("fashion-mnist:train", judge.info().trainedOn());
            assertTrue(judge.info().testAccuracy() > 0.88, "recorded test accuracy " + judge.info().testAccuracy());
        }
    }

    @Test
    void theBuiltInModelLoadsByName() throws Exception {
        Path dir = Builtins.resolve(Builtins.Kind.MODEL, Path.of("fashion-mnist"));
        try (Model m = ModelDirectory.load(dir)) {
            assertEquals(28, m.unet().config().sampleSize());
            assertEquals(1, m.unet().config().inChannels());
            assertTrue(Files.size(dir.resolve(ModelDirectory.WEIGHTS)) <= 10_000_000, "weights at most 10 MB");
        }
    }
}
