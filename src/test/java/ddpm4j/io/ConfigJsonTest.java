package ddpm4j.io;

import ddpm4j.nn.Presets;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigJsonTest {
    @TempDir
    Path dir;

    /** google/ddpm-cifar10-32's config.json as published with the diffusers port of the paper's model. */
    static final String GOOGLE_CIFAR10 = """
            {"_class_name": "UNet2DModel", "_diffusers_version": "0.0.4", "act_fn": "silu",
             "attention_head_dim": null, "block_out_channels": [128, 256, 256, 256],
             "center_input_sample": false,
             "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
             "downsample_padding": 0, "flip_sin_to_cos": false, "freq_shift": 1, "in_channels": 3,
             "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-06, "norm_num_groups": 32,
             "out_channels": 3, "sample_size": 32, "time_embedding_type": "positional",
             "up_block_types": ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"]}""";

    /** The same model's config.json as diffusers 0.24 re-saves it, every key spelled out. */
    static final String GOOGLE_CIFAR10_EXPANDED = GOOGLE_CIFAR10.replace("\"act_fn\"", """
            "add_attention": true, "attn_norm_num_groups": null, "class_embed_type": null,
            "downsample_type": "conv", "dropout": 0.0, "num_class_embeds": null, "num_train_timesteps": null,
            "resnet_time_scale_shift": "default", "time_embedding_dim": null, "upsample_type": "conv",
            "act_fn\"""");

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsThePaperModelsConfigAsTheCifar10Preset() throws Exception {
        assertEquals(Presets.get("cifar10").withDropout(0.0), ConfigJson.readUNet(write("config.json", GOOGLE_CIFAR10)));
        assertEquals(Presets.get("cifar10").withDropout(0.0), ConfigJson.readUNet(write("config2.json", GOOGLE_CIFAR10_EXPANDED)));
    }

    @Test
    void unetRoundTripAndDefaults() throws Exception {
        for (String name : Presets.names()) {
            Path f = dir.resolve(name + ".json");
            ConfigJson.writeUNet(f, Presets.get(name));
            assertEquals(Presets.get(name), ConfigJson.readUNet(f), name);
        }
        Path conditional = dir.resolve("conditional.json");
        ConfigJson.writeUNet(conditional, Presets.get("quick28").withClassEmbeds(11));
        assertEquals(11, ConfigJson.readUNet(conditional).numClassEmbeds());
        UNetConfig defaults = ConfigJson.readUNet(write("d.json", "{\"sample_size\": 64}"));
        assertEquals(List.of(224, 448, 672, 896), defaults.blockOutChannels());
        assertEquals(8, defaults.attentionHeadDim());
        assertEquals(1e-5, defaults.normEps());
        assertTrue(defaults.flipSinToCos());
        assertEquals(1, defaults.downsamplePadding());
        assertNull(ConfigJson.readUNet(write("n.json", "{\"sample_size\": 64, \"attention_head_dim\": null}")).attentionHeadDim());
    }

    /** Every component of UNetConfig is a key, written and read back, whatever its value (null included). */
    @Test
    void everyComponentIsAKeyOfConfigJson() throws Exception {
        UNetConfig q = Presets.get("quick28");
        UNetConfig unusual = new UNetConfig(32, 3, 6, List.of(16, 32), 2, List.of(UNetConfig.ATTN_DOWN, UNetConfig.DOWN),
                List.of(UNetConfig.UP, UNetConfig.ATTN_UP), 8, 1e-5, 0.5, true, 1, 8, 0.25, true, 1.5, false, 48, 5,
                UNetConfig.TIME_SCALE_SHIFT, UNetConfig.RESAMPLE_RESNET, UNetConfig.RESAMPLE_RESNET, 8);
        Path f = dir.resolve("unusual.json");
        ConfigJson.writeUNet(f, unusual);
        assertEquals(unusual, ConfigJson.readUNet(f));
        var inOrder = new java.util.ArrayList<String>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).fieldNames().forEachRemaining(inOrder::add);
        var written = new java.util.TreeSet<>(inOrder);
        var expected = new java.util.TreeSet<>(List.of("_class_name", "_ddpm4j_version", "act_fn", "class_embed_type", "time_embedding_type"));
        for (var c : UNetConfig.class.getRecordComponents()) {
            expected.add(c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
        }
        assertEquals(expected, written);
        assertEquals(new java.util.ArrayList<>(written), inOrder, "sorted, as diffusers writes");
        assertTrue(Files.readString(f).contains("\"mid_block_scale_factor\" : 1.5") && Files.readString(f).contains("\"freq_shift\" : 0.5"));
        ConfigJson.writeUNet(f, q);
        assertTrue(Files.readString(f).contains("\"freq_shift\" : 1,") && Files.readString(f).contains("\"dropout\" : 0.0"),
                "integral numbers as diffusers writes its defaults");
    }

    private void assertBad(String expected, String json) throws Exception {
        Path f = write("bad.json", json);
        FormatException e = assertThrows(FormatException.class, () -> ConfigJson.readUNet(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badUNetConfigsNameTheKey() throws Exception {
        assertBad("unknown key 'wibble'", GOOGLE_CIFAR10.replace("\"act_fn\"", "\"wibble\": 1, \"act_fn\""));
        assertBad("down_block_types: unsupported value 'CrossAttnDownBlock2D'", GOOGLE_CIFAR10.replace("\"AttnDownBlock2D\"", "\"CrossAttnDownBlock2D\""));
        assertBad("'layers_per_block' must be an integer", GOOGLE_CIFAR10.replace("\"layers_per_block\": 2", "\"layers_per_block\": \"two\""));
        assertBad("'sample_size' is missing", "{\"in_channels\": 3}");
        assertBad("'act_fn' has unsupported value 'gelu'", GOOGLE_CIFAR10.replace("\"silu\"", "\"gelu\""));
        assertBad("up_block_types has 3 entries", GOOGLE_CIFAR10.replace("\"UpBlock2D\", \"UpBlock2D\", \"AttnUpBlock2D\"", "\"UpBlock2D\", \"AttnUpBlock2D\""));
        assertBad("not a multiple of norm_num_groups", GOOGLE_CIFAR10.replace("[128, 256", "[100, 256"));
        assertBad("'class_embed_type' is not supported", GOOGLE_CIFAR10.replace("\"act_fn\"", "\"class_embed_type\": \"timestep\", \"act_fn\""));
        assertBad("not valid JSON", "{\"sample_size\": ");
        assertBad("expected a JSON object", "[]");
        assertBad("only UNet2DModel", "{\"_class_name\": \"UNet2DConditionModel\", \"sample_size\": 8}");
    }

    @Test
    void schedulerRoundTripAndErrors() throws Exception {
        SchedulerConfig paper = SchedulerConfig.paper();
        Path f = dir.resolve("s.json");
        ConfigJson.writeScheduler(f, paper);
        SchedulerConfig back = ConfigJson.readScheduler(f);
        assertEquals(paper.numTrainTimesteps(), back.numTrainTimesteps());
        assertArrayEquals(paper.betas(), back.betas());
        assertEquals(paper.variance(), back.variance());
        // google/ddpm-cifar10-32's scheduler_config.json
        SchedulerConfig google = ConfigJson.readScheduler(write("g.json", "{\"_class_name\": \"DDPMScheduler\", \"beta_end\": 0.02,"
                + " \"beta_schedule\": \"linear\", \"beta_start\": 0.0001, \"clip_sample\": true, \"num_train_timesteps\": 1000,"
                + " \"trained_betas\": null, \"variance_type\": \"fixed_large\"}"));
        assertEquals(ddpm4j.schedule.VarianceType.FIXED_LARGE, google.variance());
        SchedulerConfig expanded = ConfigJson.readScheduler(write("g2.json", "{\"_class_name\": \"DDPMScheduler\", \"beta_end\": 0.02,"
                + " \"beta_schedule\": \"linear\", \"beta_start\": 0.0001, \"clip_sample\": true, \"clip_sample_range\": 1.0,"
                + " \"dynamic_thresholding_ratio\": 0.995, \"num_train_timesteps\": 1000, \"prediction_type\": \"epsilon\","
                + " \"sample_max_value\": 1.0, \"steps_offset\": 0, \"thresholding\": false, \"timestep_spacing\": \"leading\","
                + " \"trained_betas\": null, \"variance_type\": \"fixed_large\"}"));
        assertArrayEquals(google.betas(), expanded.betas());
        Path bad = write("b.json", "{\"variance_type\": \"fixed_medium\"}");
        FormatException e = assertThrows(FormatException.class, () -> ConfigJson.readScheduler(bad));
        assertTrue(e.getMessage().contains("variance_type"), e.getMessage());
        Path wrongType = write("w.json", "{\"num_train_timesteps\": \"many\"}");
        e = assertThrows(FormatException.class, () -> ConfigJson.readScheduler(wrongType));
        assertTrue(e.getMessage().contains("'num_train_timesteps' must be an integer"), e.getMessage());
    }
}
