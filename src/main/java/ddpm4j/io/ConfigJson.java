package ddpm4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes diffusers' {@code config.json} (UNet2DModel) and
 * {@code scheduler_config.json} ({@link SchedulerConfig#parse}). Absent keys take diffusers' defaults; values
 * this project cannot honour, and unknown keys, are errors naming the key.
 */
public final class ConfigJson {
    static final String VERSION = "0.1.0";

    private ConfigJson() {
    }

    public static UNetConfig readUNet(Path file) throws IOException {
        JsonFields f = JsonFields.read(file);
        String cls = f.text("_class_name", "UNet2DModel");
        if (!cls.equals("UNet2DModel")) {
            throw f.error("_class_name", "is '" + cls + "'; only UNet2DModel is supported");
        }
        f.expect("time_embedding_type", "positional");
        f.expect("mid_block_type", "UNetMidBlock2D");
        f.expect("downsample_type", "conv");
        f.expect("upsample_type", "conv");
        f.expect("resnet_time_scale_shift", "default");
        f.expectNull("class_embed_type", "only a learned class embedding, num_class_embeds, is supported");
        f.expectNull("num_train_timesteps", "only positional time embeddings are supported");
        String act = f.text("act_fn", "silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw f.error("act_fn", "has unsupported value '" + act + "' (supported: silu)");
        }
        int groups = f.integer("norm_num_groups", 32);
        Integer attnGroups = f.integer("attn_norm_num_groups", null);
        if (attnGroups != null && attnGroups != groups) {
            throw f.error("attn_norm_num_groups", "must equal norm_num_groups or be null");
        }
        int sampleSize = sampleSize(f);
        try {
            UNetConfig c = new UNetConfig(
                    sampleSize,
                    f.integer("in_channels", 3),
                    f.integer("out_channels", 3),
                    f.integers("block_out_channels", List.of(224, 448, 672, 896)),
                    f.integer("layers_per_block", 2),
                    f.texts("down_block_types", List.of(UNetConfig.DOWN, UNetConfig.ATTN_DOWN, UNetConfig.ATTN_DOWN, UNetConfig.ATTN_DOWN)),
                    f.texts("up_block_types", List.of(UNetConfig.ATTN_UP, UNetConfig.ATTN_UP, UNetConfig.ATTN_UP, UNetConfig.UP)),
                    groups,
                    f.number("norm_eps", 1e-5),
                    f.number("freq_shift", 0),
                    f.bool("flip_sin_to_cos", true),
                    f.integer("downsample_padding", 1),
                    f.has("attention_head_dim") ? f.integer("attention_head_dim", null) : Integer.valueOf(8),
                    f.number("dropout", 0.0),
                    f.bool("center_input_sample", false),
                    f.number("mid_block_scale_factor", 1.0),
                    f.bool("add_attention", true),
                    f.integer("time_embedding_dim", null),
                    f.integer("num_class_embeds", null));
            f.rejectUnknown();
            return c;
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    private static int sampleSize(JsonFields f) throws FormatException {
        JsonNode n = f.raw("sample_size");
        if (n == null) {
            throw f.error("sample_size", "is missing");
        }
        if (n.isArray()) {
            if (n.size() != 2 || !n.get(0).isIntegralNumber() || n.get(0).asInt() != n.get(1).asInt()) {
                throw f.error("sample_size", "must be an integer or [n, n], got " + n);
            }
            return n.get(0).asInt();
        }
        return f.requiredInt("sample_size");
    }

    public static SchedulerConfig readScheduler(Path file) throws IOException {
        FormatException.requireFile(file);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new FormatException(file, "not UTF-8 text");
        }
        try {
            return SchedulerConfig.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    public static void writeUNet(Path file, UNetConfig c) throws IOException {
        ObjectNode o = JsonFields.JSON.createObjectNode();
        o.put("_class_name", "UNet2DModel");
        o.put("_ddpm4j_version", VERSION);
        o.put("act_fn", "silu");
        o.put("add_attention", c.addAttention());
        if (c.attentionHeadDim() == null) {
            o.putNull("attention_head_dim");
        } else {
            o.put("attention_head_dim", c.attentionHeadDim());
        }
        ArrayNode outs = o.putArray("block_out_channels");
        c.blockOutChannels().forEach(outs::add);
        o.put("center_input_sample", c.centerInputSample());
        ArrayNode downs = o.putArray("down_block_types");
        c.downBlockTypes().forEach(downs::add);
        o.put("downsample_padding", c.downsamplePadding());
        o.put("dropout", c.dropout());
        o.put("flip_sin_to_cos", c.flipSinToCos());
        putNumber(o, "freq_shift", c.freqShift());
        o.put("in_channels", c.inChannels());
        o.put("layers_per_block", c.layersPerBlock());
        putNumber(o, "mid_block_scale_factor", c.midBlockScaleFactor());
        o.put("norm_eps", c.normEps());
        o.put("norm_num_groups", c.normNumGroups());
        o.put("out_channels", c.outChannels());
        o.put("sample_size", c.sampleSize());
        if (c.timeEmbeddingDim() == null) {
            o.putNull("time_embedding_dim");
        } else {
            o.put("time_embedding_dim", c.timeEmbeddingDim());
        }
        o.put("time_embedding_type", "positional");
        o.putNull("class_embed_type");
        if (c.numClassEmbeds() == null) {
            o.putNull("num_class_embeds");
        } else {
            o.put("num_class_embeds", c.numClassEmbeds());
        }
        ArrayNode ups = o.putArray("up_block_types");
        c.upBlockTypes().forEach(ups::add);
        AtomicFiles.write(file, JsonFields.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
    }

    public static void writeScheduler(Path file, SchedulerConfig c) throws IOException {
        AtomicFiles.write(file, c.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }
}
