package ddpm4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePaperRecipeIsTheDefault() {
        TrainSettings p = TrainSettings.paper(800_000);
        // Ho et al. 2020, appendix B: Adam 2e-4, warm-up 5000, gradient clip 1, EMA 0.9999, batch 128, random flips
        assertEquals(java.util.List.of(2e-4, 5000.0, 1.0, 0.9999, 128.0, 800_000.0),
                java.util.List.of(p.lr(), (double) p.warmup(), p.gradClip(), p.emaDecay(), (double) p.batchSize(), (double) p.steps()));
        assertTrue(p.hflip() && p.objective().equals("simple") && p.minSnrGamma() == null && !p.lossAware());
    }

    @Test
    void aBuilderFromSettingsRebuildsThemAndChangesOnlyWhatItIsTold() {
        TrainSettings s = TrainSettings.builder().lr(1e-3).seed(9).minSnrGamma(5.0).lossAware(true).sampleEvery(7).build();
        assertEquals(s, s.toBuilder().build());
        TrainSettings t = s.toBuilder().logEvery(3).build();
        assertEquals(3, t.logEvery());
        assertEquals(s, t.toBuilder().logEvery(s.logEvery()).build());
        assertThrows(IllegalArgumentException.class, () -> TrainSettings.builder().batchSize(0).build());
    }

    @Test
    void savedSettingsLackingAKeyTakeItsDefaultAndUnknownKeysAreRefused() throws Exception {
        TrainSettings s = TrainSettings.builder().lr(1e-3).logEvery(7).steps(42).build();
        assertEquals(s, Checkpoint.readSettings(JSON.writeValueAsBytes(s)));
        ObjectNode older = JSON.valueToTree(s);
        older.remove("labelDropout"); // as a run saved before the key existed
        assertEquals(s.toBuilder().labelDropout(TrainSettings.DEFAULTS.labelDropout()).build(),
                Checkpoint.readSettings(JSON.writeValueAsBytes(older)));
        older.put("noSuchSetting", 1);
        assertThrows(com.fasterxml.jackson.core.JacksonException.class, () -> Checkpoint.readSettings(JSON.writeValueAsBytes(older)));
        assertThrows(com.fasterxml.jackson.core.JacksonException.class, () -> Checkpoint.readSettings("[1]".getBytes()));
    }
}
