package ddpm4j.nn;

import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Npy;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ADM blocks (ResnetDownsampleBlock2D/ResnetUpsampleBlock2D, resnet up/down sampling, AdaGN, multi-head attention,
 * class embeddings) against reference/adm_reference.py: an independent PyTorch implementation of OpenAI's UNetModel
 * with random weights, renamed to diffusers' names as its consistency-model conversion renames them, at the float
 * timesteps a consistency model gives its network (250 ln σ, negative below σ = 1).
 */
class AdmReferenceTest {
    static final Path FIXTURES = Path.of("src/test/resources/reference");

    @Test
    void imageNetKindMatchesOpenAisNetwork() throws Exception {
        assertMatches(FIXTURES.resolve("adm"), true);
    }

    @Test
    void lsunKindMatchesOpenAisNetwork() throws Exception {
        assertMatches(FIXTURES.resolve("adm_lsun"), false);
    }

    private static void assertMatches(Path fixture, boolean classes) throws Exception {
        Npy.Array x = Npy.read(fixture.resolve("x.npy"));
        Npy.Array want = Npy.read(fixture.resolve("out.npy"));
        float[] t = Npy.read(fixture.resolve("t.npy")).toFloats();
        try (UNet2DModel net = ModelDirectory.open(fixture.resolve("model")).loadUNet(); PointerScope scope = new PointerScope()) {
            assertEquals(classes, net.config().classConditional());
            Tensor labels = classes
                    ? Tensors.fromLongs(Npy.read(fixture.resolve("labels.npy")).toLongs(fixture), t.length) : null;
            Tensor out = net.infer(Tensors.fromFloats(x.toFloats(), x.shape()), Tensors.fromFloats(t, t.length), labels);
            double err = ddpm4j.cli.ReferenceAgreementTest.relativeError(Tensors.toFloats(out), want.toFloats());
            assertTrue(err < 1e-4, fixture + ": relative error " + err);
        }
    }

    /** diffusers' rule: with scale_shift and no attn_norm_num_groups the middle block's attention has no GroupNorm. */
    @Test
    void scaleShiftWithoutAttnGroupsLeavesTheMiddleAttentionUnnormalised() throws Exception {
        UNetConfig adm = ddpm4j.io.ConfigJson.readUNet(FIXTURES.resolve("adm/model/config.json"));
        assertEquals(32, adm.midAttentionGroups());
        UNetConfig none = new UNetConfig(adm.sampleSize(), 3, 3, adm.blockOutChannels(), 1, adm.downBlockTypes(), adm.upBlockTypes(),
                32, 1e-5, 0, true, 1, 16, 0.0, false, 1.0, true, null, null, UNetConfig.TIME_SCALE_SHIFT,
                UNetConfig.RESAMPLE_RESNET, UNetConfig.RESAMPLE_RESNET, null);
        try (UNet2DModel net = new UNet2DModel(none)) {
            assertFalse(net.stateDict().containsKey("mid_block.attentions.0.group_norm.weight"));
            assertTrue(net.stateDict().containsKey("down_blocks.1.attentions.0.group_norm.weight"));
            assertEquals(2 * 32, net.stateDict().get("down_blocks.0.resnets.0.time_emb_proj.weight").size(0)); // [scale, shift]
            assertTrue(net.stateDict().containsKey("down_blocks.0.downsamplers.0.conv1.weight"));
            assertTrue(net.stateDict().containsKey("up_blocks.0.upsamplers.0.conv2.weight"));
        }
    }

    /** Through the Java API as a user writes it: the model directory, its default sampler (one step) and explicit timesteps. */
    @Test
    void consistencySamplingThroughTheApi() throws Exception {
        Path fixture = FIXTURES.resolve("adm");
        try (ddpm4j.io.Model m = ModelDirectory.load(fixture.resolve("model")); PointerScope scope = new PointerScope()) {
            Tensor labels = Tensors.fromLongs(new long[] {0, 7}, 2);
            ddpm4j.diffusion.Denoiser net = (x, t) -> m.unet().infer(x, t, labels);
            for (String[] run : new String[][] {{"cm_one"}, {"cm_two", "22", "0"}}) {
                ddpm4j.sample.TracedSampler sampler = run.length == 1 ? ddpm4j.sample.Samplers.forModel(m.scheduler())
                        : ddpm4j.sample.Samplers.at(m.scheduler(), new int[] {Integer.parseInt(run[1]), Integer.parseInt(run[2])});
                assertEquals(run.length == 1 ? 1 : 2, sampler.passes());
                ddpm4j.sample.NoiseSource noise = ddpm4j.sample.Noise.torch(0).batch(0, 2, 3, 16, 16);
                Tensor x0 = sampler.sample(net, noise.next(), noise, ddpm4j.sample.StepListener.NONE);
                double err = ddpm4j.cli.ReferenceAgreementTest.relativeError(Tensors.toFloats(x0),
                        Npy.read(fixture.resolve(run[0] + ".npy")).toFloats());
                assertTrue(err < 1e-4, run[0] + ": relative error " + err);
            }
        }
    }
}
