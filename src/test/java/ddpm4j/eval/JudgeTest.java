package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.torch.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JudgeTest {
    @TempDir
    Path dir;

    /** 8×8 noisy stripes: horizontal (label 0) or vertical (label 1). */
    static ImageSet stripes(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(2);
            int phase = r.nextInt(2);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int along = labels[i] == 0 ? y : x;
                    int v = ((along + phase) % 2 == 0 ? 200 : 50) + r.nextInt(-40, 41);
                    px[i * 64 + y * 8 + x] = (byte) v;
                }
            }
        }
        return new ImageSet(px, n, 8, 8, 1, labels);
    }

    @Test
    void trainingLearnsASeparableTaskAndTheJudgeSurvivesASaveAndLoad() throws Exception {
        ImageSet train = stripes(256, 1);
        ImageSet test = stripes(100, 2);
        try (Judge judge = JudgeTraining.train(train, "stripes", new JudgeTraining.Settings(2, 32, 1e-3, 0), Device.CPU, (s, n, l) -> { })) {
            double accuracy = judge.accuracy(test);
            assertTrue(accuracy >= 0.95, "accuracy " + accuracy);
            judge.withTestAccuracy(accuracy).save(dir);
            Features before = judge.extract(test, b -> { });
            try (Judge loaded = Judge.load(dir)) {
                assertEquals(accuracy, loaded.info().testAccuracy());
                assertEquals("stripes", loaded.info().trainedOn());
                Features after = loaded.extract(test, b -> { });
                assertArrayEquals(before.features(), after.features());
                assertArrayEquals(before.logits(), after.logits());
                assertEquals(128, after.featureDim());
            }
        }
    }

    @Test
    void unlabelledOrMisshapenDataIsRefused() {
        ImageSet unlabelled = new ImageSet(new byte[64], 1, 8, 8, 1);
        assertThrows(IllegalArgumentException.class, () ->
                JudgeTraining.train(unlabelled, "x", JudgeTraining.Settings.defaults(), Device.CPU, (s, n, l) -> { }));
        ImageSet odd = new ImageSet(new byte[36], 1, 6, 6, 1, new int[] {1});
        assertThrows(IllegalArgumentException.class, () ->
                JudgeTraining.train(odd, "x", JudgeTraining.Settings.defaults(), Device.CPU, (s, n, l) -> { }));
    }
}
