package ddpm4j;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.LossType;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.VarianceType;
import ddpm4j.eval.BitsPerDim;
import ddpm4j.nn.Classifier;
import ddpm4j.nn.ClassifierConfig;
import ddpm4j.nn.InceptionV3;
import ddpm4j.nn.Presets;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.Conditioning;
import ddpm4j.sample.DdimSampler;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Respaced;
import ddpm4j.sample.StepListener;
import ddpm4j.sample.TracedSampler;
import ddpm4j.sample.ImageToImage;
import ddpm4j.sample.Trajectory;
import ddpm4j.schedule.BetaSchedules;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import ddpm4j.train.Adam;
import ddpm4j.train.Ema;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libtorch's meta device has shapes and no data: a network, a training step and every sampler run
 * there only if every tensor they make follows the device of their inputs. One tensor made on the
 * CPU fails with libtorch's "expected all tensors to be on the same device" (or the meta
 * equivalent), which is what would break on a GPU.
 */
class MetaDeviceTest {
    private static final Device META = Device.META;
    /** A short process, so the full samplers run every step in no time. */
    private static final NoiseSchedule SHORT = new NoiseSchedule(BetaSchedules.linear(6, 1e-4, 0.02));

    private static Tensor noise(long... shape) {
        return new NoiseSource(0, 0, (int) shape[0], shape[1], shape[2], shape[3]).next(META);
    }

    private static void assertMeta(Tensor t, long... shape) {
        assertTrue(t.is_meta(), "a tensor left the meta device");
        assertArrayEquals(shape, Tensors.shape(t));
    }

    @Test
    void thePaperNetworkRunsForwardAndBackwardOnMeta() {
        try (UNet2DModel net = new UNet2DModel(Presets.get("cifar10"), 0, META); PointerScope scope = new PointerScope()) {
            assertEquals(META, net.device());
            for (Tensor p : net.stateDict().values()) {
                assertTrue(p.is_meta(), "every parameter is made on meta");
            }
            Tensor x = noise(2, 3, 32, 32);
            assertMeta(net.infer(x, META.put(Tensors.fromLongs(new long[] {3, 999}, 2))), 2, 3, 32, 32);
            net.train(true);
            Tensor out = net.forward(x, META.put(Tensors.fromLongs(new long[] {7}, 1)));
            out.mul(out).mean().backward();
            for (Tensor p : net.stateDict().values()) {
                assertTrue(p.grad().defined() && p.grad().is_meta());
            }
        }
    }

    @Test
    void aTrainingStepRunsOnMetaForEveryObjective() {
        UNetConfig small = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.1);
        UNetConfig learned = new UNetConfig(8, 1, 2, small.blockOutChannels(), 1, small.downBlockTypes(), small.upBlockTypes(),
                32, 1e-6, 1, false, 0, null, 0.1, false, 1.0, true, null, null,
                UNetConfig.TIME_ADD, UNetConfig.RESAMPLE_CONV, UNetConfig.RESAMPLE_CONV, null).withClassEmbeds(4);
        for (LossType loss : LossType.values()) {
            boolean fixed = loss == LossType.SIMPLE;
            UNetConfig arch = fixed ? small : learned;
            GaussianDiffusion d = new GaussianDiffusion(SHORT, fixed ? Prediction.V : Prediction.EPSILON,
                    fixed ? VarianceType.FIXED_LARGE : VarianceType.LEARNED_RANGE);
            try (UNet2DModel net = new UNet2DModel(arch, 1, META); UNet2DModel shadow = new UNet2DModel(arch, META);
                 PointerScope scope = new PointerScope()) {
                Adam adam = new Adam(net.stateDict(), 0.9, 0.999, 1e-8);
                Ema ema = new Ema(shadow.stateDict(), net.stateDict(), 0.999, true);
                net.train(true);
                Tensor labels = META.put(Tensors.fromLongs(new long[] {0, 3, 1}, 3));
                Denoiser model = arch.classConditional() ? (x, t) -> net.forward(x, t, labels) : net::forward;
                Tensor perImage = d.trainingLoss(model, noise(3, 1, 8, 8), new int[] {0, 2, 5}, noise(3, 1, 8, 8), loss,
                        fixed ? 5.0 : null);
                assertMeta(perImage, 3);
                perImage.mean().backward();
                adam.step(1e-4);
                ema.update(0);
                for (Map.Entry<String, Tensor> e : shadow.stateDict().entrySet()) {
                    assertTrue(e.getValue().is_meta(), e.getKey());
                }
            }
        }
    }

    @Test
    void edmsTrainingStepAndAPowerEmaRunOnMeta() {
        UNetConfig small = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.1);
        try (UNet2DModel net = new UNet2DModel(small, 1, META); UNet2DModel shadow = new UNet2DModel(small, META);
             PointerScope scope = new PointerScope()) {
            net.train(true);
            Tensor perImage = new ddpm4j.diffusion.EdmPreconditioning(0.5, Prediction.EPSILON).trainingLoss(net::forward, noise(3, 1, 8, 8),
                    new double[] {0.01, 1, 50}, noise(3, 1, 8, 8));
            assertMeta(perImage, 3);
            perImage.mean().backward();
            Ema power = Ema.power(shadow.stateDict(), net.stateDict(), ddpm4j.train.PowerEma.gamma(0.05));
            power.update(0);
            power.update(1);
            for (Map.Entry<String, Tensor> e : shadow.stateDict().entrySet()) {
                assertTrue(e.getValue().is_meta(), e.getKey());
            }
        }
    }

    @Test
    void everySamplerRunsOnMeta() {
        UNetConfig arch = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0).withClassEmbeds(3);
        try (UNet2DModel net = new UNet2DModel(arch, 0, META); PointerScope scope = new PointerScope()) {
            GaussianDiffusion d = new GaussianDiffusion(SHORT, Prediction.EPSILON, VarianceType.FIXED_SMALL);
            Denoiser guided = Conditioning.everyClass(2, 3.0).guided(net::infer, new long[] {0, 1}, 1);
            List<TracedSampler> samplers = List.of(
                    new AncestralSampler(d, true, 1.0),
                    new AncestralSampler(Respaced.of(d, 3, Spacing.TRAILING), true, 1.0),
                    new DdimSampler(d, 3, 0.0, true, 1.0),
                    new DdimSampler(d, 6, 1.0, false, 1.0));
            List<TracedSampler> all = new java.util.ArrayList<>(samplers);
            for (SchedulerClass kind : SchedulerClass.values()) { // every scheduler of the factory, Karras σ's where it has them
                if (kind == SchedulerClass.CONSISTENCY) { // a consistency model's: one step, and two at explicit timesteps
                    SchedulerConfig cm = SchedulerConfig.parse("{\"_class_name\": \"" + kind.className + "\"}");
                    all.add(Samplers.of(cm, 1));
                    all.add(Samplers.at(cm, new int[] {22, 0}));
                    continue;
                }
                if (kind.edm()) { // EDM's own, and Heun with EDM's churn, on an EDM process
                    SchedulerConfig edm = SchedulerConfig.parse("{\"_class_name\": \"" + kind.className + "\"}");
                    all.add(Samplers.of(edm, 4));
                    all.add(Samplers.of(edm.with(SchedulerClass.HEUN).withSetting("s_churn", 40.0), 4));
                    continue;
                }
                SchedulerConfig c = SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.LINEAR, 10, ddpm4j.schedule.VarianceType.FIXED_SMALL, ddpm4j.schedule.Prediction.EPSILON).with(kind);
                all.add(Samplers.of(c, 4));
                if (c.has("use_karras_sigmas")) {
                    all.add(Samplers.of(c.withSetting("use_karras_sigmas", true), 4));
                }
                if (c.has("thresholding")) {
                    all.add(Samplers.of(c.withSetting("thresholding", true), 4));
                }
                if (c.has("s_churn")) {
                    all.add(Samplers.of(c.withSetting("s_churn", 40.0), 4));
                }
            }
            for (TracedSampler s : all) {
                NoiseSource fresh = new NoiseSource(1, 0, 2, 1, 8, 8);
                Tensor x0 = s.sample(guided, fresh.next(META), fresh, StepListener.NONE);
                assertMeta(x0, 2, 1, 8, 8);
            }
            for (TracedSampler s : all) { // img2img part way, from every scheduler that starts there
                int start = ImageToImage.start(s, 0.5);
                if (start < s.passes()) {
                    assertMeta(ImageToImage.edit(s, guided, noise(2, 1, 8, 8), 0.5, new NoiseSource(2, 0, 2, 1, 8, 8), StepListener.NONE,
                            Trajectory.NONE), 2, 1, 8, 8);
                }
            }
            SchedulerConfig process = SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.LINEAR, 10, ddpm4j.schedule.VarianceType.FIXED_SMALL,
                    ddpm4j.schedule.Prediction.EPSILON);
            Tensor keep = noise(1, 1, 8, 8).gt(new org.bytedeco.pytorch.Scalar(0)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
            NoiseSource inpaintNoise = new NoiseSource(3, 0, 2, 1, 8, 8);
            assertMeta(Samplers.rePaint(process, 5, 2, 2, 1.0).sample(guided, inpaintNoise.next(META), new ddpm4j.sample.KnownRegion(noise(2, 1, 8, 8), keep), inpaintNoise,
                    StepListener.NONE, Trajectory.NONE), 2, 1, 8, 8);
            DdimSampler ddim = new DdimSampler(d, 3, 0.0, false, 1.0);
            assertMeta(ddim.encode(guided, noise(2, 1, 8, 8), StepListener.NONE), 2, 1, 8, 8);
            Tensor x0 = noise(2, 1, 8, 8);
            int[] t = {0, 4};
            GaussianDiffusion.Output p = d.pMeanVariance(guided, d.qSample(x0, t, noise(2, 1, 8, 8)), t, true, 1.0);
            assertMeta(d.vbTermBits(p, x0, p.mean(), t), 2);
            assertMeta(d.priorBits(x0), 2);
            assertThrows(IllegalArgumentException.class, () -> BitsPerDim.evaluate(guided, d, x0, new NoiseSource(0, 0, 2, 1, 8, 8),
                    true, StepListener.NONE), "reading values off the meta device is refused, not a crash");
        }
    }

    /** OpenAI's consistency models at full size (ImageNet-64 class-conditional, LSUN-256): two-step sampling on meta. */
    @Test
    void fullSizeConsistencyModelsSampleOnMeta() throws Exception {
        ddpm4j.schedule.SchedulerConfig cd = ddpm4j.schedule.SchedulerConfig.parse("{\"_class_name\": \"CMStochasticIterativeScheduler\"}");
        for (String name : new String[] {"imagenet64", "lsun256"}) {
            UNetConfig c = ddpm4j.io.ConfigJson.readUNet(java.nio.file.Path.of("src/test/resources/reference/cm-configs", name + ".json"));
            int s = c.sampleSize();
            try (UNet2DModel net = new UNet2DModel(c, META); PointerScope scope = new PointerScope()) {
                Tensor labels = c.classConditional() ? META.put(Tensors.fromLongs(new long[] {145, 999}, 2)) : null;
                NoiseSource fresh = new NoiseSource(0, 0, 2, 3, s, s);
                Tensor x0 = Samplers.at(cd, new int[] {22, 0}).sample((x, t) -> net.infer(x, t, labels), fresh.next(META), fresh,
                        StepListener.NONE);
                assertMeta(x0, 2, 3, s, s);
            }
        }
    }

    @Test
    void theFeatureNetworksRunOnMeta() {
        try (InceptionV3 inception = new InceptionV3(0, META); Classifier judge = new Classifier(ClassifierConfig.judge(1, 28, 10), 0, META);
             PointerScope scope = new PointerScope()) {
            InceptionV3.Output out = inception.infer(noise(2, 3, 32, 32));
            assertMeta(out.pool(), 2, InceptionV3.FEATURES);
            assertMeta(judge.infer(noise(2, 1, 28, 28)).logits(), 2, 10);
        }
    }

    @Test
    void aNetworkDoesNotMoveToOrFromMeta() {
        UNetConfig small = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0);
        try (UNet2DModel cpu = new UNet2DModel(small); UNet2DModel meta = new UNet2DModel(small, META)) {
            assertThrows(IllegalArgumentException.class, () -> cpu.to(META));
            assertThrows(IllegalArgumentException.class, () -> meta.to(Device.CPU));
            assertEquals(cpu, cpu.to(Device.CPU), "moving to where it is is nothing");
        }
    }

    @Test
    void devicesParseAsTorchNamesThem() {
        assertEquals(Device.CPU, Device.parse("CPU"));
        assertEquals("cuda:1", Device.parse("cuda:1").toString());
        assertEquals("cuda", Device.parse(" cuda ").toString());
        for (String bad : new String[] {"gpu", "cuda:", "cpu:0", "cuda:-1", "cuda:x", ""}) {
            assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
        }
        assertEquals(Device.CPU, Device.of(Tensors.fromFloats(new float[] {1}, 1)));
        assertEquals(META, Device.of(META.put(Tensors.fromFloats(new float[] {1}, 1))));
    }

    @Test
    void cudaOnTheCpuBuildIsRefusedWithTheReason() {
        Assumptions.assumeFalse(org.bytedeco.pytorch.global.torch.hasCUDA(), "a CUDA build");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda").requireAvailable());
        assertTrue(e.getMessage().contains("has no CUDA"), e.getMessage());
    }
}
