package ddpm4j.io;

import ddpm4j.nn.Presets;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class ModelDirectoryTest {
    @TempDir
    Path dir;

    public static final UNetConfig SMALL = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0);

    /** The model, knowing its scheduler, refuses timesteps it was not trained on; the network alone cannot. */
    @Test
    void predictRefusesTimestepsOutsideTheTrainedRange() throws Exception {
        try (Model m = ModelDirectory.load(Path.of("src/test/resources/reference/tiny/model"))) {
            Tensor x = torch.randn(2, 3, 16, 16);
            assertArrayEquals(new long[] {2, 3, 16, 16}, Tensors.shape(m.predict(x, Tensors.fromLongs(new long[] {0, 999}, 2))));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.predict(x, Tensors.fromLongs(new long[] {3, 1000}, 2)));
            assertTrue(e.getMessage().startsWith("timestep 1000 at index 1 is outside 0..999"), e.getMessage());
        }
    }

    @Test
    void saveThenLoadGivesTheSameNetwork() throws Exception {
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            randomise(m);
            ModelDirectory.save(dir, m, SchedulerConfig.paper());
            assertTrue(Files.isRegularFile(dir.resolve("config.json")));
            assertTrue(Files.isRegularFile(dir.resolve("scheduler_config.json")));
            try (Model back = ModelDirectory.load(dir)) {
                assertEquals(SMALL, back.unet().config());
                Tensor x = torch.randn(2, 1, 8, 8);
                Tensor t = Tensors.fromLongs(new long[] {3, 600}, 2);
                assertArrayEquals(Tensors.toFloats(m.infer(x, t)), Tensors.toFloats(back.unet().infer(x, t)));
            }
        }
    }

    /** Replaces the near-zero output layers of a fresh network so outputs depend on every weight. */
    static void randomise(UNet2DModel m) {
        for (Tensor p : m.stateDict().values()) {
            float[] v = Tensors.toFloats(torch.randn(p.numel()).mul(new org.bytedeco.pytorch.Scalar(0.1)));
            new org.bytedeco.javacpp.FloatPointer(p.data_ptr()).put(v, 0, v.length);
        }
    }

    @Test
    void pipelineLayoutIsAccepted() throws Exception {
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            ModelDirectory.save(dir.resolve("unet"), m, SchedulerConfig.paper());
            Files.move(dir.resolve("unet/scheduler_config.json"), Files.createDirectories(dir.resolve("scheduler")).resolve("scheduler_config.json"));
            Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"DDPMPipeline\","
                    + " \"scheduler\": [\"diffusers\", \"DDPMScheduler\"], \"unet\": [\"diffusers\", \"UNet2DModel\"]}");
            try (Model back = ModelDirectory.load(dir)) {
                assertEquals(SMALL, back.unet().config());
                assertEquals(1000, back.scheduler().numTrainTimesteps());
            }
        }
    }

    /** The files of {@code root}, relative, sorted. */
    public static List<String> files(Path root) throws Exception {
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void thePipelineLayoutHasDiffusersFileNamesAndKeysAndTheFlatLayoutsBytes() throws Exception {
        Path flat = dir.resolve("flat");
        Path pipeline = dir.resolve("pipeline");
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            randomise(m);
            ModelDirectory.save(flat, m, SchedulerConfig.paper());
            ModelDirectory.save(pipeline, m, SchedulerConfig.paper(), ModelDirectory.Layout.PIPELINE);
        }
        assertEquals(List.of("model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors"), files(pipeline));
        assertEquals(JsonFields.JSON.readTree("{\"_class_name\": \"DDPMPipeline\", \"_diffusers_version\": \"0.39.0\","
                        + " \"scheduler\": [\"diffusers\", \"DDPMScheduler\"], \"unet\": [\"diffusers\", \"UNet2DModel\"]}"),
                JsonFields.JSON.readTree(pipeline.resolve("model_index.json").toFile()));
        for (String[] same : new String[][] {{"config.json", "unet/config.json"}, {"scheduler_config.json", "scheduler/scheduler_config.json"},
                {ModelDirectory.WEIGHTS, "unet/" + ModelDirectory.WEIGHTS}}) {
            assertArrayEquals(Files.readAllBytes(flat.resolve(same[0])), Files.readAllBytes(pipeline.resolve(same[1])), same[1]);
        }
    }

    @Test
    void convertRewritesEitherLayoutAndNeverOverwrites() throws Exception {
        Path flat = dir.resolve("flat");
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            randomise(m);
            ModelDirectory.save(flat, m, SchedulerConfig.paper().with(ddpm4j.schedule.SchedulerClass.DDIM));
        }
        ModelDirectory.convert(flat, dir.resolve("p"), ModelDirectory.Layout.PIPELINE);
        assertTrue(JsonFields.JSON.readTree(dir.resolve("p/model_index.json").toFile()).get("scheduler").toString().contains("DDIMScheduler"));
        ModelDirectory.convert(dir.resolve("p"), dir.resolve("back"), ModelDirectory.Layout.FLAT);
        assertEquals(files(flat), files(dir.resolve("back")));
        for (String f : files(flat)) {
            assertArrayEquals(Files.readAllBytes(flat.resolve(f)), Files.readAllBytes(dir.resolve("back").resolve(f)), f);
        }
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> ModelDirectory.convert(flat, dir.resolve("p"), ModelDirectory.Layout.FLAT));
        try (var left = Files.list(dir)) {
            assertEquals(List.of("back", "flat", "p"), left.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary folders left");
        }
        assertThrows(FormatException.class, () -> ModelDirectory.convert(dir.resolve("missing"), dir.resolve("q"), ModelDirectory.Layout.FLAT));
        assertTrue(Files.notExists(dir.resolve("q")));
    }

    @Test
    void mismatchedWeightsNameTheEntry() throws Exception {
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            ModelDirectory.save(dir, m, SchedulerConfig.paper());
        }
        Path weights = dir.resolve(ModelDirectory.WEIGHTS);
        Map<String, FloatArray> w = Safetensors.read(weights);

        Map<String, FloatArray> missing = new java.util.LinkedHashMap<>(w);
        missing.remove("conv_in.weight");
        Safetensors.write(weights, missing, Map.of());
        assertError("missing weight 'conv_in.weight'");

        Map<String, FloatArray> extra = new java.util.LinkedHashMap<>(w);
        extra.put("conv_in.extra", new FloatArray(new long[] {1}, new float[] {1}));
        Safetensors.write(weights, extra, Map.of());
        assertError("unexpected weight 'conv_in.extra'");

        Map<String, FloatArray> shaped = new java.util.LinkedHashMap<>(w);
        shaped.put("conv_in.bias", new FloatArray(new long[] {2, 16}, new float[32]));
        Safetensors.write(weights, shaped, Map.of());
        assertError("weight 'conv_in.bias' has shape [2, 16]");

        Map<String, FloatArray> legacy = new java.util.LinkedHashMap<>();
        w.forEach((k, v) -> legacy.put(k.replace(".to_q.", ".query.").replace(".to_out.0.", ".proj_attn."), v));
        assertTrue(legacy.containsKey("mid_block.attentions.0.query.weight"));
        Safetensors.write(weights, legacy, Map.of());
        try (Model back = ModelDirectory.load(dir)) {
            assertArrayEquals(w.get("mid_block.attentions.0.to_q.weight").data(),
                    Tensors.toFloats(back.unet().stateDict().get("mid_block.attentions.0.to_q.weight")));
        }

        Files.delete(weights);
        assertError("no weights");
        Files.delete(dir.resolve("config.json"));
        assertError("neither config.json nor model_index.json");
        assertThrows(FormatException.class, () -> ModelDirectory.load(dir.resolve("nowhere")));
    }

    @Test
    void learnedVarianceNeedsTwiceTheOutputChannels() throws Exception {
        SchedulerConfig learned = SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.COSINE, 1000, ddpm4j.schedule.VarianceType.LEARNED_RANGE, ddpm4j.schedule.Prediction.EPSILON);
        try (UNet2DModel m = new UNet2DModel(SMALL, 3)) {
            ModelDirectory.save(dir, m, learned);
        }
        assertError("'out_channels' is 1 but variance_type 'learned_range' in scheduler_config.json needs 2");
        UNetConfig twoOut = new UNetConfig(8, 1, 2, SMALL.blockOutChannels(), 1, SMALL.downBlockTypes(), SMALL.upBlockTypes(),
                32, 1e-6, 1, false, 0, null, 0.0, false, 1.0, true, null, null,
                UNetConfig.TIME_ADD, UNetConfig.RESAMPLE_CONV, UNetConfig.RESAMPLE_CONV, null);
        try (UNet2DModel m = new UNet2DModel(twoOut, 3)) {
            randomise(m);
            ModelDirectory.save(dir, m, learned);
        }
        try (Model back = ModelDirectory.load(dir)) {
            assertEquals(ddpm4j.schedule.VarianceType.LEARNED_RANGE, back.scheduler().variance());
            assertEquals(ddpm4j.schedule.BetaSchedule.COSINE, back.scheduler().betaSchedule());
            assertEquals(2, back.unet().config().outChannels());
        }
    }

    private void assertError(String expected) {
        FormatException e = assertThrows(FormatException.class, () -> ModelDirectory.load(dir));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
