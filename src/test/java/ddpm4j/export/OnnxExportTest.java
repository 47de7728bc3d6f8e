package ddpm4j.export;

import ddpm4j.TestArrays;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ddpm4j.export.onnx.ModelProto;
import ddpm4j.io.Model;
import ddpm4j.nn.Presets;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exported graph run in ONNX Runtime gives the network's fp32 forward pass (libtorch) to 1e-4 of the output's
 * largest value, for every preset and the variants the presets do not cover, at several batch sizes and timesteps.
 * Every parameter is perturbed from its initialisation, so the zero-initialised output layers carry signal too.
 */
class OnnxExportTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void everyPresetMatchesTheForwardPass() throws Exception {
        for (String name : Presets.names()) {
            UNetConfig c = Presets.get(name);
            if (c.sampleSize() > 32) { // the same graph at 32×32: the sizes change, not the layers or weights
                c = c.withImages(32, c.inChannels(), c.outChannels());
            }
            check(name, c, new int[] {1, 3}, new float[] {0, 999, 417});
        }
    }

    @Test
    void classConditionalLearnedVarianceAndTheRarerKeysMatchTheForwardPass() throws Exception {
        UNetConfig fm = Presets.get("fmnist28");
        check("class-conditional", fm.withClassEmbeds(11), new int[] {2, 4}, new float[] {3, 250});
        check("learned variance", Presets.forImages(Presets.get("small32"), 32, 32, 3, true, null, null), new int[] {2}, new float[] {10, 700});
        // centre_input_sample, flip_sin_to_cos with freq_shift 0, a middle block scaled by √2, and continuous timesteps
        // (an EDM network's c_noise = ln σ / 4 is fractional and negative below σ = 1)
        UNetConfig rare = new UNetConfig(fm.sampleSize(), 1, 1, fm.blockOutChannels(), 1, fm.downBlockTypes(), fm.upBlockTypes(),
                fm.normNumGroups(), 1e-5, 0, true, 1, fm.attentionHeadDim(), 0.0, true, Math.sqrt(2), true, null, null,
                fm.resnetTimeScaleShift(), fm.downsampleType(), fm.upsampleType(), null);
        check("rare keys", rare, new int[] {3}, new float[] {-0.7f, 0.25f, 1.9f});
    }

    @Test
    void oneTimestepServesTheWholeBatch() throws Exception {
        try (UNet2DModel unet = perturbed(Presets.get("quick28"))) {
            Model model = new Model(unet, SchedulerConfig.paper());
            try (OnnxRuntime ort = new OnnxRuntime(OnnxExport.build(model, OnnxExport.Options.defaults()).toByteArray())) {
                float[] x = TestArrays.gaussian(3 * 28 * 28, 7);
                float[] got = ort.run(x, new long[] {3, 1, 28, 28}, new float[] {321}, null);
                float[] want = Tensors.toFloats(unet.infer(Tensors.fromFloats(x, 3, 1, 28, 28), Tensors.fromFloats(new float[] {321, 321, 321}, 3)));
                assertClose("one timestep", want, got);
            }
        }
    }

    @Test
    void theInterfaceIsTheContract() throws Exception {
        try (UNet2DModel unet = perturbed(Presets.get("quick28").withClassEmbeds(10))) {
            Model model = new Model(unet, SchedulerConfig.paper());
            ModelProto proto = OnnxExport.build(model, new OnnxExport.Options(OnnxExport.DEFAULT_OPSET, 4, OnnxExport.Weights.FP32));
            assertEquals(OnnxExport.DEFAULT_OPSET, proto.getOpsetImport(0).getVersion());
            assertTrue(proto.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals(OnnxExport.SCHEDULER_KEY)
                    && SchedulerConfig.parse(e.getValue()).toJson().equals(SchedulerConfig.paper().toJson())));
            assertTrue(proto.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("down_blocks.0.resnets.0.conv1.weight")),
                    "weights under their diffusers names");
            try (OnnxRuntime ort = new OnnxRuntime(proto.toByteArray())) {
                Map<String, NodeInfo> in = ort.session().getInputInfo();
                assertEquals(java.util.Set.of("sample", "timestep", "class_labels"), in.keySet());
                assertArrayEquals(new long[] {4, 1, 28, 28}, ((TensorInfo) in.get("sample").getInfo()).getShape());
                assertEquals(ai.onnxruntime.OnnxJavaType.FLOAT, ((TensorInfo) in.get("timestep").getInfo()).type);
                assertEquals(ai.onnxruntime.OnnxJavaType.INT64, ((TensorInfo) in.get("class_labels").getInfo()).type);
                assertEquals(java.util.Set.of("out_sample"), ort.session().getOutputInfo().keySet());
                assertEquals(-1, ((TensorInfo) in.get("timestep").getInfo()).getShape()[0], "a dimension of its own: [4] or [1]");
                float[] x = TestArrays.gaussian(2 * 28 * 28, 1);
                assertThrows(OrtException.class, () -> ort.run(x, new long[] {2, 1, 28, 28}, new float[] {1, 2}, new long[] {0, 1}),
                        "a fixed batch of 4 refuses 2");
                float[] x4 = TestArrays.gaussian(4 * 28 * 28, 2);
                long[] labels = {0, 9, 3, 3};
                float[] want = Tensors.toFloats(unet.infer(Tensors.fromFloats(x4, 4, 1, 28, 28), Tensors.fromFloats(new float[] {77, 77, 77, 77}, 4),
                        Tensors.fromLongs(labels, 4)));
                assertClose("fixed batch, one timestep", want, ort.run(x4, new long[] {4, 1, 28, 28}, new float[] {77}, labels));
            }
            try (OnnxRuntime ort = new OnnxRuntime(OnnxExport.build(model, OnnxExport.Options.defaults()).toByteArray())) {
                assertEquals(-1, ((TensorInfo) ort.session().getInputInfo().get("sample").getInfo()).getShape()[0], "a free batch");
            }
        }
    }

    @Test
    void everyOpsetWrittenLoadsAndMatches() throws Exception {
        for (int opset : new int[] {OnnxExport.MIN_OPSET, OnnxExport.MAX_OPSET}) {
            for (String preset : new String[] {"adm28", "small28"}) { // resampling ResBlocks, AdaGN, heads; strided and upsampling convolutions
                try (UNet2DModel unet = perturbed(Presets.get(preset))) {
                    compare(preset + " opset " + opset, unet, new OnnxExport.Options(opset, 0, OnnxExport.Weights.FP32), 2, new float[] {5, 905});
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new OnnxExport.Options(OnnxExport.MIN_OPSET - 1, 0, OnnxExport.Weights.FP32));
        assertThrows(IllegalArgumentException.class, () -> new OnnxExport.Options(OnnxExport.MAX_OPSET + 1, 0, OnnxExport.Weights.FP32));
        assertThrows(IllegalArgumentException.class, () -> new OnnxExport.Options(OnnxExport.DEFAULT_OPSET, -1, OnnxExport.Weights.FP32));
    }

    /** fp16 storage: the forward pass of the weights rounded to half precision (by libtorch), in half the bytes. */
    @Test
    void halfPrecisionWeightsAreTheRoundedWeights() throws Exception {
        try (UNet2DModel unet = perturbed(Presets.get("fmnist28"))) {
            Model model = new Model(unet, SchedulerConfig.paper());
            byte[] full = OnnxExport.build(model, OnnxExport.Options.defaults()).toByteArray();
            byte[] half = OnnxExport.build(model, new OnnxExport.Options(OnnxExport.DEFAULT_OPSET, 0, OnnxExport.Weights.FP16)).toByteArray();
            assertTrue(half.length < 0.52 * full.length, half.length + " bytes against " + full.length);
            for (Tensor p : unet.stateDict().values()) {
                Tensors.write(p, Tensors.toFloats(p.to(org.bytedeco.pytorch.global.torch.ScalarType.Half)));
            }
            try (OnnxRuntime ort = new OnnxRuntime(half)) {
                float[] x = TestArrays.gaussian(2 * 28 * 28, 3);
                float[] t = {40, 960};
                float[] want = Tensors.toFloats(unet.infer(Tensors.fromFloats(x, 2, 1, 28, 28), Tensors.fromFloats(t, 2)));
                assertClose("fp16 weights", want, ort.run(x, new long[] {2, 1, 28, 28}, t, null));
            }
        }
    }

    /** A model that cannot be written leaves neither file: the scheduler configuration written first is removed again. */
    @Test
    void aFailedWriteLeavesNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createDirectories(dir.resolve("x.onnx").resolve("occupied"));
        try (UNet2DModel unet = perturbed(Presets.get("quick28"))) {
            Model model = new Model(unet, SchedulerConfig.paper());
            assertThrows(java.io.IOException.class, () -> OnnxExport.write(model, out.getParent(), OnnxExport.Options.defaults()));
            assertTrue(!java.nio.file.Files.exists(dir.resolve("x.scheduler_config.json")), "the configuration is gone again");
            try (var files = java.nio.file.Files.list(dir)) {
                assertEquals(1, files.count(), "only the directory that was there");
            }
        }
        assertEquals(dir.resolve("A.scheduler_config.json"), OnnxExport.schedulerPath(dir.resolve("A.ONNX")));
    }

    /** The paper's 256×256 network with 320 base channels (710M parameters) is 2.84 GB of fp32: refused before a weight is read. */
    @Test
    void weightsOneFileCannotHoldAreRefused() throws Exception {
        UNetConfig big = UNetConfig.ddpm(256, 3, 320, new int[] {1, 1, 2, 2, 4, 4}, 2, java.util.List.of(16), 0.0);
        try (UNet2DModel unet = new UNet2DModel(big, ddpm4j.torch.Device.META)) {
            Model model = new Model(unet, SchedulerConfig.paper());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.build(model, OnnxExport.Options.defaults()));
            assertTrue(e.getMessage().contains("2.84 GB as fp32") && e.getMessage().endsWith("--precision fp16 halves them"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExport.build(model, new OnnxExport.Options(OnnxExport.DEFAULT_OPSET, 0, OnnxExport.Weights.FP16)));
            assertTrue(e.getMessage().contains("the network is on meta"), "fp16 fits; the meta device is what stops it: " + e.getMessage());
        }
    }

    private static void check(String name, UNetConfig c, int[] batches, float[] timesteps) throws Exception {
        try (UNet2DModel unet = perturbed(c)) {
            for (int b : batches) {
                compare(name + " batch " + b, unet, OnnxExport.Options.defaults(), b, timesteps);
            }
        }
    }

    private static void compare(String what, UNet2DModel unet, OnnxExport.Options options, int batch, float[] timesteps) throws Exception {
        UNetConfig c = unet.config();
        Model model = new Model(unet, SchedulerConfig.paper());
        try (OnnxRuntime ort = new OnnxRuntime(OnnxExport.build(model, options).toByteArray())) {
            long[] shape = {batch, c.inChannels(), c.sampleSize(), c.sampleSize()};
            float[] x = TestArrays.gaussian((int) Tensors.count(shape), batch);
            float[] t = new float[batch];
            long[] labels = c.classConditional() ? new long[batch] : null;
            for (int i = 0; i < batch; i++) {
                t[i] = timesteps[i % timesteps.length];
                if (labels != null) {
                    labels[i] = (3L * i + 1) % c.numClassEmbeds();
                }
            }
            Tensor y = labels == null ? unet.infer(Tensors.fromFloats(x, shape), Tensors.fromFloats(t, batch))
                    : unet.infer(Tensors.fromFloats(x, shape), Tensors.fromFloats(t, batch), Tensors.fromLongs(labels, batch));
            assertArrayEquals(new long[] {batch, c.outChannels(), c.sampleSize(), c.sampleSize()}, Tensors.shape(y), what);
            assertClose(what, Tensors.toFloats(y), ort.run(x, shape, t, labels));
        }
    }

    /** A network of {@code c} with every parameter moved off its initialisation by N(0, 0.02²), the same on every machine. */
    static UNet2DModel perturbed(UNetConfig c) {
        UNet2DModel unet = new UNet2DModel(c, 0);
        Random r = new Random(11);
        for (Tensor p : unet.stateDict().values()) {
            float[] v = Tensors.toFloats(p);
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (0.02 * r.nextGaussian());
            }
            Tensors.write(p, v);
        }
        return unet;
    }

    static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(scale > 1e-3, what + ": the output carries signal (largest " + scale + ")");
        assertTrue(worst <= TOLERANCE * scale, what + ": largest difference " + worst + " against largest value " + scale
                + " (first values " + Arrays.toString(Arrays.copyOf(want, 3)) + " vs " + Arrays.toString(Arrays.copyOf(got, 3)) + ")");
    }
}
