package ddpm4j.nn;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Precision;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrecisionProbeTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    private static UNet2DModel tiny() {
        return new UNet2DModel(UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0), 3);
    }

    @Test
    void theRuleTakes16BitsOnlyWhereRightAndFaster() {
        assertEquals(Precision.BF16, PrecisionProbe.decide(Precision.BF16, 10, 8.9, 0.01).precision());
        assertEquals(Precision.FP32, PrecisionProbe.decide(Precision.BF16, 10, 9.1, 0.01).precision(), "under 10% is no gain");
        assertEquals(Precision.FP32, PrecisionProbe.decide(Precision.BF16, 10, 2, 0.2).precision(), "wrong output");
        assertEquals(Precision.FP32, PrecisionProbe.decide(Precision.BF16, 10, 2, Double.NaN).precision(), "NaN output");
    }

    @Test
    void measuresLeavesTheChoiceSetAndTheParametersAlone() {
        try (UNet2DModel net = tiny(); PointerScope scope = new PointerScope()) {
            Tensor first = net.stateDict().values().iterator().next();
            double before = first.sum().item_double();
            for (boolean training : new boolean[] {false, true}) {
                PrecisionProbe.Choice c = PrecisionProbe.choose(net, 2, training);
                assertEquals(c.precision(), net.precision());
                assertEquals(before, first.sum().item_double(), 0.0, "parameters unchanged");
                assertTrue(!first.grad().defined(), "gradients cleared");
                if (ddpm4j.torch.Cpu.current().nativeBfloat16()) {
                    assertTrue(c.fp32Ms() > 0 && c.otherMs() > 0, c.toString());
                    assertTrue(c.error() < PrecisionProbe.TOLERANCE, "bf16 agrees with fp32 on this network: " + c);
                }
            }
        }
    }

    @Test
    void aChoiceIsRememberedPerNetworkAndUse(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("sub").resolve("precision.json");
        try (UNet2DModel net = tiny()) {
            PrecisionProbe.Choice first = PrecisionProbe.choose(net, 2, false, cache);
            net.setPrecision(first.precision() == Precision.FP32 ? Precision.BF16 : Precision.FP32);
            PrecisionProbe.Choice again = PrecisionProbe.choose(net, 2, false, cache);
            assertEquals(first, again, "read back, not measured again");
            assertEquals(first.precision(), net.precision());
            PrecisionProbe.choose(net, 4, false, cache);
            String text = Files.readString(cache);
            assertTrue(text.contains(PrecisionProbe.key(net, 2, false)) && text.contains(PrecisionProbe.key(net, 4, false)), text);
        }
    }
}
