package ddpm4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model directory in the Hugging Face diffusers layout: {@code config.json},
 * {@code diffusion_pytorch_model.safetensors} (or the older {@code .bin}) and
 * {@code scheduler_config.json} side by side, or the pipeline layout with {@code model_index.json}
 * and {@code unet/}, {@code scheduler/} subfolders.
 */
public final class ModelDirectory {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    public static final String WEIGHTS_BIN = "diffusion_pytorch_model.bin";
    public static final String SCHEDULER = "scheduler_config.json";
    public static final String MODEL_INDEX = "model_index.json";
    /** The pipeline layout's folders, fixed by diffusers' DDPMPipeline (its components' names). */
    public static final String UNET_FOLDER = "unet";
    public static final String SCHEDULER_FOLDER = "scheduler";
    /** The diffusers release whose pipeline loader the written model_index.json was checked against. */
    static final String DIFFUSERS_VERSION = "0.39.0";

    /** How a model directory's files are arranged. */
    public enum Layout {
        /** config.json, the weights and scheduler_config.json side by side (what this project writes by default). */
        FLAT,
        /** diffusers' pipeline: model_index.json, unet/ and scheduler/, which DDPMPipeline.from_pretrained(dir) loads. */
        PIPELINE;

        /** The name on the command line and in settings.json. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Layout of(String name) {
            for (Layout l : values()) {
                if (l.configName().equals(name)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("unknown layout '" + name + "' (flat or pipeline)");
        }
    }

    private final Path unetDir;
    private final Path schedulerDir;

    private ModelDirectory(Path unetDir, Path schedulerDir) {
        this.unetDir = unetDir;
        this.schedulerDir = schedulerDir;
    }

    /** Finds the network and scheduler folders of {@code dir} in either layout. */
    public static ModelDirectory open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FormatException(dir, Files.exists(dir) ? "is a file, not a model directory" : "not a model directory (no such directory)");
        }
        if (Files.exists(dir.resolve(CONFIG))) {
            return new ModelDirectory(dir, dir);
        }
        Path index = dir.resolve(MODEL_INDEX);
        if (!Files.isRegularFile(index)) {
            throw new FormatException(dir, "not a model directory: neither " + CONFIG + " nor " + MODEL_INDEX + " found");
        }
        JsonFields f = JsonFields.read(index);
        JsonNode unet = f.raw("unet");
        if (unet == null || !unet.isArray() || unet.size() != 2 || !"UNet2DModel".equals(unet.get(1).asText())) {
            throw f.error("unet", "must name a UNet2DModel, got " + unet);
        }
        // Subfolder names are fixed by the layout, never taken from the file, so nothing escapes dir.
        return new ModelDirectory(dir.resolve(UNET_FOLDER), dir.resolve(SCHEDULER_FOLDER));
    }

    public static Model load(Path dir) throws IOException {
        ModelDirectory d = open(dir);
        SchedulerConfig scheduler = d.loadScheduler();
        UNetConfig config = d.readUNetConfig();
        int wanted = scheduler.learnedVariance() ? 2 * config.inChannels() : config.inChannels();
        if (config.outChannels() != wanted) {
            throw new FormatException(d.unetDir.resolve(CONFIG), "'out_channels' is " + config.outChannels()
                    + " but variance_type '" + scheduler.variance().configName + "' in " + SCHEDULER + " needs " + wanted
                    + " for " + config.inChannels() + "-channel data");
        }
        return new Model(d.loadUNet(config), scheduler);
    }

    public UNetConfig readUNetConfig() throws IOException {
        return ConfigJson.readUNet(unetDir.resolve(CONFIG));
    }

    public SchedulerConfig loadScheduler() throws IOException {
        return ConfigJson.readScheduler(schedulerDir.resolve(SCHEDULER));
    }

    /** The network with its weights: safetensors if present, else the pickled .bin. */
    public UNet2DModel loadUNet() throws IOException {
        return loadUNet(readUNetConfig());
    }

    /** The network of an already-read {@code config} with this directory's weights. */
    private UNet2DModel loadUNet(UNetConfig config) throws IOException {
        Path safetensors = unetDir.resolve(WEIGHTS);
        Path bin = unetDir.resolve(WEIGHTS_BIN);
        Path source;
        Map<String, FloatArray> weights;
        // exists, not isRegularFile: a directory in the weights' place is named by the reader, not passed over
        if (Files.exists(safetensors)) {
            source = safetensors;
            weights = Safetensors.read(safetensors);
        } else if (Files.exists(bin)) {
            source = bin;
            weights = TorchPickle.readStateDict(bin);
        } else {
            throw new FormatException(unetDir, "no weights: neither " + WEIGHTS + " nor " + WEIGHTS_BIN + " found");
        }
        UNet2DModel model;
        try {
            model = new UNet2DModel(config);
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("can't allocate memory")) {
                throw e;
            }
            long values = weights.values().stream().mapToLong(a -> a.data().length).sum();
            throw new FormatException(unetDir.resolve(CONFIG), "describes a network too large for this machine's memory (the weights"
                    + " file holds " + values + " values)");
        }
        try {
            Weights.load(model, weights, source);
        } catch (FormatException e) {
            model.close();
            throw e;
        }
        return model;
    }

    /** Writes the flat layout: config.json, F32 safetensors weights, scheduler_config.json. */
    public static void save(Path dir, UNet2DModel unet, SchedulerConfig scheduler) throws IOException {
        save(dir, unet, scheduler, Layout.FLAT);
    }

    /**
     * Writes {@code unet} (F32 safetensors) and {@code scheduler} in {@code layout}; the pipeline layout's
     * model_index.json comes last, so a directory that has one has its parts.
     */
    public static void save(Path dir, UNet2DModel unet, SchedulerConfig scheduler, Layout layout) throws IOException {
        Path unetDir = layout == Layout.FLAT ? dir : dir.resolve(UNET_FOLDER);
        Path schedulerDir = layout == Layout.FLAT ? dir : dir.resolve(SCHEDULER_FOLDER);
        Files.createDirectories(unetDir);
        Files.createDirectories(schedulerDir);
        Safetensors.write(unetDir.resolve(WEIGHTS), Weights.of(unet), Map.of("format", "pt"));
        ConfigJson.writeUNet(unetDir.resolve(CONFIG), unet.config());
        ConfigJson.writeScheduler(schedulerDir.resolve(SCHEDULER), scheduler);
        if (layout == Layout.PIPELINE) {
            ConfigJson.writeModelIndex(dir.resolve(MODEL_INDEX), scheduler);
        }
    }

    /**
     * Writes the model of {@code from} (either layout; safetensors of any float type or the pickled .bin) at
     * {@code to}, a new directory, in {@code layout} with F32 weights. The files are written in a hidden
     * sibling folder renamed into place, so {@code to} never holds part of a model.
     */
    public static void convert(Path from, Path to, Layout layout) throws IOException {
        if (Files.exists(to)) {
            throw new java.nio.file.FileAlreadyExistsException(to.toString(), null, "the converted model goes to a new directory");
        }
        try (Model m = load(from)) {
            Path parent = to.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + to.getFileName() + ".");
            try {
                save(tmp, m.unet(), m.scheduler(), layout);
                Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                if (Files.exists(tmp)) {
                    FileTrees.delete(tmp);
                }
            }
        }
    }
}
