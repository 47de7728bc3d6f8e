package ddpm4j.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InceptionScoreTest {
    @Test
    void equalLogitsScoreOne() {
        InceptionScore.Score s = InceptionScore.of(new float[40 * 5], 40, 5, 4);
        assertEquals(1.0, s.mean(), 1e-12);
        assertEquals(0.0, s.std(), 1e-12);
    }

    @Test
    void confidentPredictionsSpreadOverKClassesScoreK() {
        int k = 4;
        int n = 40;
        float[] logits = new float[n * k];
        for (int i = 0; i < n; i++) {
            logits[i * k + i % k] = 60f; // softmax ≈ one-hot; each split sees every class equally often
        }
        InceptionScore.Score s = InceptionScore.of(logits, n, k, 10);
        assertEquals(k, s.mean(), 1e-9);
        assertEquals(0.0, s.std(), 1e-9);
    }

    @Test
    void aTwoClassSplitMatchesItsClosedForm() {
        // Two images with p = (a, 1−a) and (1−a, a): p(y) is uniform, KL = log 2 + a log a + (1−a) log(1−a).
        double a = 0.8;
        float l = (float) Math.log(a / (1 - a));
        InceptionScore.Score s = InceptionScore.of(new float[] {l, 0, 0, l}, 2, 2, 1);
        assertEquals(Math.exp(Math.log(2) + a * Math.log(a) + (1 - a) * Math.log(1 - a)), s.mean(), 1e-6);
    }

    @Test
    void tooFewImagesForTheSplitsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> InceptionScore.of(new float[6], 3, 2, 10));
    }
}
