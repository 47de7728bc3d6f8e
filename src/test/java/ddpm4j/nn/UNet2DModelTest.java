package ddpm4j.nn;

import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UNet2DModelTest {
    @Test
    void paperNetworksHaveThePublishedParameterCounts() {
        // The paper's CIFAR-10 and CelebA-HQ/LSUN networks (35.7M, 114M).
        assertEquals(35_746_307L, ParameterCount.of(Presets.get("cifar10")));
        assertEquals(113_673_219L, ParameterCount.of(Presets.get("celebahq256")));
        for (String name : Presets.names()) {
            try (UNet2DModel m = new UNet2DModel(Presets.get(name))) {
                assertEquals(ParameterCount.of(Presets.get(name)), m.parameterCount(), name);
            }
        }
    }

    /**
     * OpenAI's consistency models as diffusers' conversion script configures them (IMAGENET_64_UNET_CONFIG,
     * LSUN_256_UNET_CONFIG, in src/test/resources/reference/cm-configs): the parameter counts of diffusers' UNet2DModel
     * built from them.
     */
    @Test
    void consistencyModelNetworksHaveDiffusersParameterCounts() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/reference/cm-configs");
        assertEquals(295_899_267L, ParameterCount.of(ddpm4j.io.ConfigJson.readUNet(dir.resolve("imagenet64.json"))));
        assertEquals(526_304_771L, ParameterCount.of(ddpm4j.io.ConfigJson.readUNet(dir.resolve("lsun256.json"))));
    }

    @Test
    void presetsFitTheImages() {
        assertEquals("small28", Presets.defaultFor(28, 28, 1).orElseThrow());
        assertEquals("small32", Presets.defaultFor(32, 32, 3).orElseThrow());
        assertTrue(Presets.defaultFor(64, 64, 3).isEmpty());
        UNetConfig c = Presets.forImages(Presets.get("small32"), 16, 16, 1, true, 0.3, 5);
        assertEquals(16, c.sampleSize());
        assertEquals(1, c.inChannels());
        assertEquals(2, c.outChannels(), "learned variance: mean and variance channels");
        assertEquals(0.3, c.dropout());
        assertEquals(5, c.numClassEmbeds());
        assertEquals(Presets.get("small32").blockOutChannels(), c.blockOutChannels());
        assertEquals(0.1, Presets.forImages(Presets.get("small32"), 32, 32, 3, false, null, null).dropout());
        assertThrows(IllegalArgumentException.class, () -> Presets.forImages(Presets.get("small32"), 32, 16, 3, false, null, null));
    }

    @Test
    void parameterNamesAreDiffusersStateDictKeys() {
        try (UNet2DModel m = new UNet2DModel(Presets.get("cifar10"))) {
            var keys = m.stateDict().keySet();
            for (String k : List.of("time_embedding.linear_1.weight", "conv_in.bias",
                    "down_blocks.0.resnets.1.conv2.weight", "down_blocks.1.attentions.0.to_q.weight",
                    "down_blocks.1.attentions.1.to_out.0.bias", "down_blocks.0.downsamplers.0.conv.weight",
                    "down_blocks.1.resnets.0.conv_shortcut.weight", "mid_block.attentions.0.group_norm.weight",
                    "mid_block.resnets.1.time_emb_proj.weight", "up_blocks.2.attentions.2.to_v.weight",
                    "up_blocks.0.upsamplers.0.conv.weight", "conv_norm_out.weight", "conv_out.weight")) {
                assertTrue(keys.contains(k), k);
            }
            assertTrue(keys.stream().noneMatch(k -> k.startsWith("up_blocks.3.upsamplers")), "no upsampler at the top level");
            assertTrue(keys.stream().noneMatch(k -> k.startsWith("down_blocks.3.downsamplers")), "no downsampler at the bottom");
            assertArrayEquals(new long[] {256, 512, 3, 3}, Tensors.shape(m.stateDict().get("up_blocks.0.resnets.0.conv1.weight")));
        }
    }

    /**
     * Layers without parameters of their own set their children by default: every weight is drawn
     * (the zero-scale convolutions at 1e-10, never exactly 0), biases are 0, normalisation scales 1,
     * and the same seed draws the same weights.
     */
    @Test
    void everyParameterIsInitialisedFromTheSeed() {
        UNetConfig config = Presets.get("small28").withClassEmbeds(11);
        try (UNet2DModel a = new UNet2DModel(config, 7); UNet2DModel b = new UNet2DModel(config, 7);
                Classifier judge = new Classifier(ClassifierConfig.judge(1, 28, 10), 7)) {
            java.util.Map<String, Tensor> all = new java.util.LinkedHashMap<>(a.stateDict());
            judge.stateDict().forEach((k, v) -> all.put("judge." + k, v));
            for (var e : all.entrySet()) {
                String k = e.getKey();
                Tensor t = e.getValue();
                double maxAbs = t.abs().max().item_double();
                if (k.endsWith(".bias")) {
                    assertEquals(0.0, maxAbs, k);
                } else if (k.contains("norm")) {
                    assertEquals(1.0, t.min().item_double(), k);
                    assertEquals(1.0, t.max().item_double(), k);
                } else {
                    assertTrue(maxAbs > 0 && t.std().item_double() > 0, k + " is not drawn");
                }
            }
            for (var e : a.stateDict().entrySet()) {
                assertTrue(torch.equal(e.getValue(), b.stateDict().get(e.getKey())), e.getKey());
            }
        }
    }

    /**
     * libtorch's train/eval call back into each child's Java object; children that were only
     * referenced natively were garbage-collected and the call failed with a NullPointerException.
     */
    @Test
    void childModulesSurviveGarbageCollection() {
        try (UNet2DModel m = new UNet2DModel(Presets.get("small28"), 1)) {
            for (int round = 0; round < 5; round++) {
                byte[][] garbage = new byte[200][];
                for (int i = 0; i < garbage.length; i++) {
                    garbage[i] = new byte[1 << 16];
                }
                System.gc();
                m.train(round % 2 == 0);
                m.train(false);
            }
            Tensor y = m.infer(torch.randn(1, 1, 28, 28), Tensors.fromLongs(new long[] {5}, 1));
            assertEquals(28, y.size(3));
        }
    }

    @Test
    void outputShapeMatchesInput() {
        try (UNet2DModel m = new UNet2DModel(Presets.get("small28"), 1)) {
            Tensor y = m.infer(torch.randn(2, 1, 28, 28), Tensors.fromLongs(new long[] {0, 999}, 2));
            assertArrayEquals(new long[] {2, 1, 28, 28}, Tensors.shape(y));
            assertThrows(IllegalArgumentException.class, () -> m.infer(torch.randn(2, 3, 28, 28), Tensors.fromLongs(new long[] {0, 1}, 2)));
            assertThrows(IllegalArgumentException.class, () -> m.infer(torch.randn(2, 1, 30, 30), Tensors.fromLongs(new long[] {0, 1}, 2)));
        }
    }

    @Test
    void timestepsMustBeFiniteNumbersOnePerImage() {
        try (UNet2DModel m = new UNet2DModel(Presets.get("small28"), 1)) {
            Tensor x = torch.randn(2, 1, 28, 28);
            // fractional timesteps (the Euler family's) are taken, and whole ones in float mean the same as integers
            float[] whole = Tensors.toFloats(m.infer(x, Tensors.fromFloats(new float[] {3f, 700f}, 2)));
            assertArrayEquals(Tensors.toFloats(m.infer(x, Tensors.fromLongs(new long[] {3, 700}, 2))), whole, 1e-5f);
            assertArrayEquals(new long[] {2, 1, 28, 28}, Tensors.shape(m.infer(x, Tensors.fromFloats(new float[] {10.5f, 3f}, 2))));
            // negative ones too: an EDM network's c_noise = ln(σ)/4 (diffusers' UNet2DModel embeds any number)
            assertArrayEquals(new long[] {2, 1, 28, 28}, Tensors.shape(m.infer(x, Tensors.fromFloats(new float[] {-1.55f, 1.1f}, 2))));
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> m.infer(x, Tensors.fromFloats(new float[] {5, Float.NaN}, 2)));
            assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.infer(x, Tensors.fromLongs(new long[] {5, 6}, 2, 1)));
            assertArrayEquals(new long[] {2, 1, 28, 28}, Tensors.shape(m.infer(x, Tensors.fromLongs(new long[] {7}, 1))));
        }
    }

    @Test
    void initialisationIsSeededAndZeroesTheLastLayers() {
        try (UNet2DModel a = new UNet2DModel(Presets.get("small28"), 7);
             UNet2DModel b = new UNet2DModel(Presets.get("small28"), 7)) {
            float[] wa = Tensors.toFloats(a.stateDict().get("down_blocks.0.resnets.0.conv1.weight"));
            assertArrayEquals(wa, Tensors.toFloats(b.stateDict().get("down_blocks.0.resnets.0.conv1.weight")));
            // variance scaling, fan_avg, uniform: limit sqrt(3 / ((9·32 + 9·32) / 2)) = 0.102
            float max = 0;
            for (float v : wa) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= Math.sqrt(3.0 / (9 * 32)) && max > 0.09, "limit " + max);
            for (float v : Tensors.toFloats(a.stateDict().get("conv_out.weight"))) {
                assertTrue(Math.abs(v) < 1e-5);
            }
            for (float v : Tensors.toFloats(a.stateDict().get("conv_norm_out.weight"))) {
                assertEquals(1f, v);
            }
        }
    }
}
