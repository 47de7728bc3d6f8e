package ddpm4j.export;

import ddpm4j.export.onnx.GraphProto;
import ddpm4j.export.onnx.ModelProto;
import ddpm4j.export.onnx.OperatorSetIdProto;
import ddpm4j.export.onnx.StringStringEntryProto;
import ddpm4j.export.onnx.TensorProto;
import ddpm4j.export.onnx.TensorShapeProto;
import ddpm4j.export.onnx.TypeProto;
import ddpm4j.export.onnx.ValueInfoProto;
import ddpm4j.io.AtomicFiles;
import ddpm4j.io.ConfigJson;
import ddpm4j.io.Model;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.torch.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A model's network as one ONNX graph: inputs {@value #SAMPLE} float32 [N,C,H,W], {@value #TIMESTEP} float32 [N]
 * or [1] (one for the whole batch; a dimension of its own, {@value #TIMESTEPS}, so that either fits also when N is
 * fixed) and, for a class-conditional network, {@value #CLASS_LABELS} int64 [N]; output
 * {@value #OUT_SAMPLE} [N,out_channels,H,W], what {@code UNet2DModel.forward} returns (diffusers' names). The weights
 * are initializers under their diffusers state-dict names; config.json and scheduler_config.json ride along as
 * metadata, and {@link #schedulerPath} is where the scheduler configuration is written beside the file.
 */
public final class OnnxExport {
    public static final String SAMPLE = "sample";
    public static final String TIMESTEP = "timestep";
    public static final String CLASS_LABELS = "class_labels";
    public static final String OUT_SAMPLE = "out_sample";
    /** The name of the batch dimension when it is left free. */
    public static final String BATCH = "batch";
    /** The name of the timestep input's dimension: N, or 1 for the whole batch. */
    public static final String TIMESTEPS = "timesteps";
    /** Metadata keys of the ONNX file holding config.json and scheduler_config.json. */
    public static final String CONFIG_KEY = "diffusers.config";
    public static final String SCHEDULER_KEY = "diffusers.scheduler_config";

    /** The operator sets written: 13 (Unsqueeze's axes an input, Resize's roi optional, Softmax along one axis) to 21. */
    public static final int MIN_OPSET = 13;
    public static final int MAX_OPSET = 21;
    public static final int DEFAULT_OPSET = 17;

    /** How the weights are stored: float32, or float16 cast to float32 as the graph reads them (half the file; the arithmetic stays float32). */
    public enum Weights { FP32, FP16 }

    /**
     * @param opset   the ai.onnx operator set version, {@link #MIN_OPSET}..{@link #MAX_OPSET}
     * @param batch   a fixed batch size, or 0 for a free one
     * @param weights how the weights are stored
     */
    public record Options(int opset, int batch, Weights weights) {
        public Options {
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw new IllegalArgumentException("opset must be in [" + MIN_OPSET + ", " + MAX_OPSET + "], got " + opset);
            }
            if (batch < 0) {
                throw new IllegalArgumentException("batch must be positive (or 0 for a free batch size), got " + batch);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_OPSET, 0, Weights.FP32);
        }
    }

    private OnnxExport() {
    }

    /** What one ONNX file can hold: protobuf refuses messages of 2 GiB; the graph's nodes and constants get the last 16 MiB. */
    static final long MAX_WEIGHT_BYTES = (1L << 31) - (16L << 20);

    /**
     * The ONNX model of {@code model}'s network.
     *
     * @throws IllegalArgumentException for weights one ONNX file cannot hold, or a network not on the CPU
     */
    public static ModelProto build(Model model, Options options) throws IOException {
        UNet2DModel unet = model.unet();
        long bytes = unet.parameterCount() * (options.weights() == Weights.FP16 ? 2 : 4);
        if (bytes > MAX_WEIGHT_BYTES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the weights take %.2f GB as %s, more than one ONNX"
                    + " file holds (2 GiB, protobuf's limit)%s", bytes / 1e9, options.weights().name().toLowerCase(java.util.Locale.ROOT),
                    options.weights() == Weights.FP32 && bytes / 2 <= MAX_WEIGHT_BYTES ? "; --precision fp16 halves them" : ""));
        }
        if (!unet.device().equals(Device.CPU)) {
            throw new IllegalArgumentException("export reads the weights from the CPU; the network is on " + unet.device());
        }
        UNetConfig c = unet.config();
        GraphProto.Builder graph = GraphProto.newBuilder().setName("ddpm4j_unet");
        String batch = options.batch() == 0 ? BATCH : Long.toString(options.batch());
        graph.addInput(value(SAMPLE, TensorProto.DataType.FLOAT, batch, c.inChannels(), c.sampleSize(), c.sampleSize()));
        graph.addInput(value(TIMESTEP, TensorProto.DataType.FLOAT, TIMESTEPS));
        if (c.classConditional()) {
            graph.addInput(value(CLASS_LABELS, TensorProto.DataType.INT64, batch));
        }
        OnnxGraph g = new OnnxGraph(graph, unet.stateDict(), options.weights() == Weights.FP16);
        String out = unet.trace(g, SAMPLE, TIMESTEP, c.classConditional() ? CLASS_LABELS : null);
        g.output(out, OUT_SAMPLE);
        graph.addOutput(value(OUT_SAMPLE, TensorProto.DataType.FLOAT, batch, c.outChannels(), c.sampleSize(), c.sampleSize()));
        return ModelProto.newBuilder()
                .setIrVersion(irVersion(options.opset()))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(options.opset()))
                .setProducerName("ddpm4j").setProducerVersion(ConfigJson.VERSION)
                .setDocString("A diffusers UNet2DModel exported by ddpm4j: sample, timestep"
                        + (c.classConditional() ? ", class_labels" : "") + " -> out_sample (the network's output as "
                        + "the scheduler's prediction_type says)")
                .addMetadataProps(entry(CONFIG_KEY, ConfigJson.unetJson(c)))
                .addMetadataProps(entry(SCHEDULER_KEY, model.scheduler().toJson()))
                .setGraph(graph)
                .build();
    }

    /**
     * Writes {@link #build}'s model to {@code out} and the scheduler configuration to {@link #schedulerPath} (replacing
     * what is there): the configuration first, each file whole or not at all, and the configuration removed again when
     * the model cannot be written, so a failure leaves neither new file.
     */
    public static void write(Model model, Path out, Options options) throws IOException {
        ModelProto onnx = build(model, options);
        Path scheduler = schedulerPath(out);
        boolean existed = java.nio.file.Files.exists(scheduler);
        AtomicFiles.write(scheduler, model.scheduler().toJson().getBytes(StandardCharsets.UTF_8));
        try {
            AtomicFiles.write(out, onnx::writeTo);
        } catch (IOException | RuntimeException e) {
            if (!existed) {
                java.nio.file.Files.deleteIfExists(scheduler);
            }
            throw e;
        }
    }

    /** Where the scheduler configuration goes beside {@code onnx}: {@code NAME.scheduler_config.json} for {@code NAME.onnx} (any case). */
    public static Path schedulerPath(Path onnx) {
        String name = onnx.getFileName().toString();
        boolean suffix = name.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
        return onnx.resolveSibling((suffix ? name.substring(0, name.length() - ".onnx".length()) : name) + ".scheduler_config.json");
    }

    /** The IR version that introduced {@code opset} (ONNX's versioning table), the oldest a runtime needs. */
    static int irVersion(int opset) {
        return opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
    }

    /** A typed input or output whose first dimension is {@code first}: a number, or the name of a free dimension. */
    private static ValueInfoProto value(String name, TensorProto.DataType type, String first, long... rest) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(first.chars().allMatch(Character::isDigit) ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(first))
                : TensorShapeProto.Dimension.newBuilder().setDimParam(first));
        for (long d : rest) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
