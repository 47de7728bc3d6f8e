package ddpm4j.schedule;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** --set's values read as a scheduler_config.json holds them, bare words as text. */
class SchedulerConfigValueTest {
    @Test
    void jsonValuesAndBareWords() {
        assertEquals(true, SchedulerConfig.valueOf("use_karras_sigmas", "true"));
        assertEquals(3, SchedulerConfig.valueOf("solver_order", "3"));
        assertEquals(0.5, SchedulerConfig.valueOf("eta", "0.5"));
        assertEquals(1e-3, SchedulerConfig.valueOf("lambda_min_clipped", "1e-3"));
        assertEquals(Double.NEGATIVE_INFINITY, SchedulerConfig.valueOf("lambda_min_clipped", "-Infinity"));
        assertEquals(List.of(0, 1, 2), SchedulerConfig.valueOf("disable_corrector", "[0,1,2]"));
        assertEquals(List.of(), SchedulerConfig.valueOf("disable_corrector", "[]"));
        assertNull(SchedulerConfig.valueOf("sigma_min", "null"));
        assertEquals("linspace", SchedulerConfig.valueOf("timestep_spacing", "linspace"));
        assertEquals("dpmsolver++", SchedulerConfig.valueOf("algorithm_type", "dpmsolver++"));
        assertEquals("heun", SchedulerConfig.valueOf("solver_type", "\"heun\""));
        assertEquals("3 4", SchedulerConfig.valueOf("solver_order", "3 4"), "not one JSON value: the text, refused by the key's check");
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.valueOf("disable_corrector", "[0.5]"));
    }

    @Test
    void aListSetThisWayReachesTheScheduler() {
        SchedulerConfig c = SchedulerConfig.paper().with(SchedulerClass.UNIPC)
                .withSetting("disable_corrector", SchedulerConfig.valueOf("disable_corrector", "[0, 2]"));
        assertEquals(List.of(0, 2), c.list("disable_corrector"));
    }
}
