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
    /** ddpm4j's version, written into the files it makes. */
    public static final String VERSION = "0.1.0";

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
        f.expectNull("class_embed_type", "only a learned class embedding, num_class_embeds, is supported");
        f.expectNull("num_train_timesteps", "only positional time embeddings are supported");
        String act = f.text("act_fn", "silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw f.error("act_fn", "has unsupported value '" + act + "' (supported: silu)");
        }
        Object[] values = new Object[UNET_KEYS.length];
        for (int k = 0; k < UNET_KEYS.length; k++) {
            values[k] = UNET_KEYS[k].read(f);
        }
        f.rejectUnknown();
        UNetConfig c;
        try {
            c = UNET_CONSTRUCTOR.newInstance(values);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw new FormatException(file, bad.getMessage());
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return c;
    }

    /**
     * diffusers' UNet2DModel defaults ({@code __init__}'s signature) for the keys a config.json may
     * leave out; a key not here is required ({@code sample_size}) or null when absent. A number whose
     * default diffusers writes as an integer (freq_shift, mid_block_scale_factor) is written as one
     * where it is integral.
     */
    private static final java.util.Map<String, Object> DIFFUSERS_DEFAULTS = java.util.Map.ofEntries(
            java.util.Map.entry("in_channels", 3), java.util.Map.entry("out_channels", 3),
            java.util.Map.entry("block_out_channels", List.of(224, 448, 672, 896)), java.util.Map.entry("layers_per_block", 2),
            java.util.Map.entry("down_block_types", List.of(UNetConfig.DOWN, UNetConfig.ATTN_DOWN, UNetConfig.ATTN_DOWN, UNetConfig.ATTN_DOWN)),
            java.util.Map.entry("up_block_types", List.of(UNetConfig.ATTN_UP, UNetConfig.ATTN_UP, UNetConfig.ATTN_UP, UNetConfig.UP)),
            java.util.Map.entry("norm_num_groups", 32), java.util.Map.entry("norm_eps", 1e-5), java.util.Map.entry("freq_shift", 0),
            java.util.Map.entry("flip_sin_to_cos", true), java.util.Map.entry("downsample_padding", 1),
            java.util.Map.entry("attention_head_dim", 8), java.util.Map.entry("dropout", 0.0),
            java.util.Map.entry("center_input_sample", false), java.util.Map.entry("mid_block_scale_factor", 1),
            java.util.Map.entry("add_attention", true), java.util.Map.entry("resnet_time_scale_shift", UNetConfig.TIME_ADD),
            java.util.Map.entry("downsample_type", UNetConfig.RESAMPLE_CONV), java.util.Map.entry("upsample_type", UNetConfig.RESAMPLE_CONV));

    /** The keys of config.json that {@link UNetConfig} holds: one per record component, in order, named in snake case. */
    private static final UNetKey[] UNET_KEYS = java.util.Arrays.stream(UNetConfig.class.getRecordComponents())
            .map(UNetKey::new).toArray(UNetKey[]::new);
    private static final java.lang.reflect.Constructor<UNetConfig> UNET_CONSTRUCTOR = constructor();

    private static java.lang.reflect.Constructor<UNetConfig> constructor() {
        try {
            return UNetConfig.class.getDeclaredConstructor(java.util.Arrays.stream(UNetConfig.class.getRecordComponents())
                    .map(java.lang.reflect.RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One component of {@link UNetConfig} as a config.json key: its name, type and diffusers default. */
    private record UNetKey(java.lang.reflect.RecordComponent component, String key) {
        UNetKey(java.lang.reflect.RecordComponent component) {
            this(component, component.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
        }

        @SuppressWarnings("unchecked")
        Object read(JsonFields f) throws FormatException {
            Object fallback = DIFFUSERS_DEFAULTS.get(key);
            Class<?> type = component.getType();
            if (key.equals("sample_size")) {
                return sampleSize(f);
            }
            if (type == int.class) {
                return f.integer(key, (Integer) fallback);
            }
            if (type == Integer.class) { // an explicit null stays null, whatever the default
                return f.has(key) ? f.integer(key, null) : fallback;
            }
            if (type == double.class) {
                return f.number(key, ((Number) fallback).doubleValue());
            }
            if (type == boolean.class) {
                return f.bool(key, (Boolean) fallback);
            }
            if (type == String.class) {
                return f.text(key, (String) fallback);
            }
            boolean integers = component.getGenericType() instanceof java.lang.reflect.ParameterizedType list
                    && list.getActualTypeArguments()[0] == Integer.class;
            return integers ? f.integers(key, (List<Integer>) fallback) : f.texts(key, (List<String>) fallback);
        }

        void write(ObjectNode o, UNetConfig c) {
            Object v;
            try {
                v = component.getAccessor().invoke(c);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (v == null) {
                o.putNull(key);
            } else if (v instanceof Integer i) {
                o.put(key, i);
            } else if (v instanceof Double d && DIFFUSERS_DEFAULTS.get(key) instanceof Integer) {
                putNumber(o, key, d);
            } else if (v instanceof Double d) {
                o.put(key, d);
            } else if (v instanceof Boolean b) {
                o.put(key, b);
            } else if (v instanceof String text) {
                o.put(key, text);
            } else {
                ArrayNode a = o.putArray(key);
                ((List<?>) v).forEach(e -> a.add(JsonFields.JSON.valueToTree(e)));
            }
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

    /** config.json as diffusers writes it: every key, sorted, the metadata first. */
    public static void writeUNet(Path file, UNetConfig c) throws IOException {
        AtomicFiles.write(file, unetJson(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The text of {@link #writeUNet}'s file. */
    public static String unetJson(UNetConfig c) throws IOException {
        ObjectNode keys = JsonFields.JSON.createObjectNode();
        keys.put("act_fn", "silu");
        keys.putNull("class_embed_type");
        keys.put("time_embedding_type", "positional");
        for (UNetKey k : UNET_KEYS) {
            k.write(keys, c);
        }
        ObjectNode o = JsonFields.JSON.createObjectNode();
        o.put("_class_name", "UNet2DModel");
        o.put("_ddpm4j_version", VERSION);
        java.util.Map<String, JsonNode> sorted = new java.util.TreeMap<>();
        keys.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        o.setAll(sorted);
        return JsonFields.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    }

    /**
     * model_index.json of diffusers' DDPMPipeline (ConsistencyModelPipeline for a consistency model): its class, the
     * components' [library, class] pairs, keys sorted as diffusers writes them.
     */
    static void writeModelIndex(Path file, SchedulerConfig scheduler) throws IOException {
        ObjectNode o = JsonFields.JSON.createObjectNode();
        o.put("_class_name", scheduler.scheduler() == ddpm4j.schedule.SchedulerClass.CONSISTENCY ? "ConsistencyModelPipeline" : "DDPMPipeline");
        o.put("_diffusers_version", ModelDirectory.DIFFUSERS_VERSION);
        o.putArray(ModelDirectory.SCHEDULER_FOLDER).add("diffusers").add(scheduler.scheduler().className);
        o.putArray(ModelDirectory.UNET_FOLDER).add("diffusers").add("UNet2DModel");
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
