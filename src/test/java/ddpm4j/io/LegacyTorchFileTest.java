package ddpm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files written by torch 1.13's torch.save (src/test/resources/torch-legacy, by
 * reference/torch_fixtures.py): the legacy format and the zip format hold the same tensors, whose
 * values are known in closed form.
 */
class LegacyTorchFileTest {
    static final Path DIR = Path.of("src/test/resources/torch-legacy");

    @TempDir
    Path tmp;

    static void assertTensor(Map<String, FloatArray> sd, String name, long[] shape, float... values) {
        FloatArray a = sd.get(name);
        assertArrayEquals(shape, a.shape(), name);
        assertArrayEquals(values, a.data(), 1e-6f, name);
    }

    static void assertKnownValues(Map<String, FloatArray> sd) {
        assertEquals(9, sd.size(), sd.keySet().toString());
        assertTensor(sd, "a.weight", new long[] {2, 3}, 0, 1, 2, 3, 4, 5);
        float[] transposed = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                transposed[i * 3 + j] = (j * 4 + i) / 4f; // base[j][i] with base = arange(12).reshape(3, 4) / 4
            }
        }
        assertTensor(sd, "b.transposed", new long[] {4, 3}, transposed);
        assertTensor(sd, "c.double", new long[] {2}, 0.5f, -1.25f);
        assertTensor(sd, "d.half", new long[] {3}, 1.5f, -2f, 65504f);
        assertTensor(sd, "e.long", new long[] {2}, 3, -7);
        assertTensor(sd, "f.scalar", new long[] {}, 2.5f);
        assertTensor(sd, "g.param", new long[] {2}, 0.25f, 0.25f);
        assertTensor(sd, "h.offset", new long[] {3}, 4, 5, 6);
    }

    @Test
    void legacyAndZipCheckpointsGiveTheSameKnownTensors() throws Exception {
        assertTrue(LegacyTorchFile.looksLegacy(DIR.resolve("state_dict.pth")));
        assertKnownValues(LegacyTorchFile.readStateDict(DIR.resolve("state_dict.pth")));
        assertKnownValues(TorchPickle.readStateDict(DIR.resolve("state_dict.pth")));
        assertKnownValues(TorchPickle.readStateDict(DIR.resolve("state_dict_zip.pth")));
    }

    @Test
    void aPickleThatWouldRunCodeIsRefused() {
        FormatException e = assertThrows(FormatException.class, () -> TorchPickle.readStateDict(DIR.resolve("evil.pth")));
        assertTrue(e.getMessage().contains("refuses to load 'posix.system'"), e.getMessage());
    }

    @Test
    void truncatedOrCorruptFilesAreFormatErrors() throws Exception {
        byte[] good = Files.readAllBytes(DIR.resolve("state_dict.pth"));
        for (int cut : new int[] {1, 20, good.length / 2, good.length - 5}) {
            Path f = tmp.resolve("cut" + cut + ".pth");
            Files.write(f, Arrays.copyOf(good, cut));
            assertThrows(FormatException.class, () -> LegacyTorchFile.readStateDict(f), "cut at " + cut);
        }
        byte[] bad = good.clone();
        bad[3] ^= 0x55; // inside the magic number
        Path f = tmp.resolve("magic.pth");
        Files.write(f, bad);
        assertThrows(FormatException.class, () -> LegacyTorchFile.readStateDict(f));
    }

    /** Pickles a reviewer built by hand: each must end in a FormatException, nothing else. */
    @Test
    void hostilePicklesAreFormatErrors() {
        byte[][] cases = {
                {')', 'K', 1, 'a', '.'},                       // APPEND onto a tuple
                {']', 'q', 0, 'h', 0, (byte) 0x85, 'a', '}', 'h', 0, 'N', 's', '.'}, // a cyclic list as a dict key
                {(byte) 0x8c, 1, 'x', ']', (byte) 0x93, '.'},  // STACK_GLOBAL with a list for a name
                {'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', '.'}, // a global outside the allow-list
        };
        for (byte[] pickle : cases) {
            RestrictedUnpickler u = new RestrictedUnpickler(Path.of("x.pth"), java.nio.ByteBuffer.wrap(pickle), pid -> pid);
            assertThrows(FormatException.class, u::load, Arrays.toString(pickle));
        }
    }
}
