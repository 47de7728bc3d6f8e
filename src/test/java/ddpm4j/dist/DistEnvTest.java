package ddpm4j.dist;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistEnvTest {
    @Test
    void withoutTheVariablesTheProcessRunsAlone() {
        DistEnv env = DistEnv.from(Map.of());
        assertFalse(env.distributed());
        assertEquals(0, env.rank());
        assertEquals(DistEnv.DEFAULT_TIMEOUT, env.timeout());
    }

    @Test
    void readsTorchrunsVariables() {
        DistEnv env = DistEnv.from(Map.of("RANK", "3", "LOCAL_RANK", "1", "WORLD_SIZE", "4", "MASTER_ADDR", "10.0.0.2",
                "MASTER_PORT", "29500", "DDPM4J_DIST_TIMEOUT", "60"));
        assertTrue(env.distributed());
        assertEquals(new DistEnv(3, 1, 4, "10.0.0.2", 29500, Duration.ofSeconds(60)), env);
        assertEquals(env, DistEnv.from(env.environmentFor(3, 1)));
    }

    @Test
    void saysWhatIsMissingOrWrong() {
        assertEquals("WORLD_SIZE is 2 but MASTER_PORT is not set", assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1"))).getMessage());
        assertEquals("RANK must be in [0, 2), got 2", assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(Map.of("RANK", "2", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "1"))).getMessage());
        assertEquals("WORLD_SIZE must be an integer, got 'two'", assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(Map.of("WORLD_SIZE", "two"))).getMessage());
    }

    @Test
    void rowsAndBatchesCoverTheWorkOnce() {
        for (int size = 1; size <= 5; size++) {
            int rows = 0;
            for (int r = 0; r < size; r++) {
                assertEquals(rows, Shards.rowStart(13, r, size));
                rows += Shards.rowCount(13, r, size);
            }
            assertEquals(13, rows);
            int images = 0;
            for (int r = 0; r < size; r++) {
                images += ShardedBatches.imagesOf(23, 4, r, size);
            }
            assertEquals(23, images);
            int batches = 0;
            for (int r = 0; r < size; r++) {
                batches += ShardedBatches.batchesOf(23, 4, r, size);
                assertEquals((ShardedBatches.imagesOf(23, 4, r, size) + 3) / 4, ShardedBatches.batchesOf(23, 4, r, size));
            }
            assertEquals(6, batches);
        }
    }
}
