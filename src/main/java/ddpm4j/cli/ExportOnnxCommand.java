package ddpm4j.cli;

import ddpm4j.export.OnnxExport;
import ddpm4j.io.Model;
import ddpm4j.torch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j export onnx}: the network as one ONNX graph, and its scheduler configuration beside it. */
@Command(name = "onnx", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the model's network as one ONNX graph: inputs sample (float32 [N,C,H,W]), timestep (float32 [N],"
                + " or [1] for all) and, for a class-conditional model, class_labels (int64 [N], each in 0..num_class_embeds-1);"
                + " output out_sample (the network's output as the scheduler reads it: ε, v or x₀ as its prediction_type says, F"
                + " for an EDM model). The weights are initializers under their diffusers names; config.json and"
                + " scheduler_config.json are in the file's metadata, and the scheduler configuration is also written beside it"
                + " as NAME.scheduler_config.json (replacing one there). Sampling it from Java with ONNX Runtime: docs/onnx.md."})
final class ExportOnnxCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--out", required = true, paramLabel = "F.onnx", description = "The ONNX file." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--opset", paramLabel = "N", defaultValue = "" + OnnxExport.DEFAULT_OPSET,
            description = "The ai.onnx operator set, " + OnnxExport.MIN_OPSET + " to " + OnnxExport.MAX_OPSET + " (default: ${DEFAULT-VALUE}).")
    int opset;

    @Option(names = "--batch", paramLabel = "dynamic|B", defaultValue = "dynamic",
            description = "The batch size: dynamic (any, chosen when the graph runs) or a fixed number (default: ${DEFAULT-VALUE}).")
    String batch;

    @Option(names = "--precision", paramLabel = "fp32|fp16", defaultValue = "fp32",
            description = "How the weights are stored: fp32, or fp16 (half the file; cast to float32 where the graph reads them, so"
                    + " the arithmetic stays float32) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        OnnxExport.Options options;
        try {
            options = new OnnxExport.Options(opset, batchSize(), weights());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        Outputs.extension(out, "--out", java.util.List.of("onnx"));
        Outputs.prepare(out);
        if (Files.isDirectory(OnnxExport.schedulerPath(out))) {
            throw new UserException(OnnxExport.schedulerPath(out) + ", where the scheduler configuration goes, is a directory");
        }
        long start = System.nanoTime();
        try (Model m = ModelOption.load(model.model, Device.CPU)) {
            OnnxExport.write(m, out, options);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        System.err.printf(Locale.ROOT, "wrote %s (%.1f MB, opset %d, batch %s, %s weights) and %s in %.1f s%n", out,
                Files.size(out) / 1e6, opset, batch, precision, OnnxExport.schedulerPath(out).getFileName(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private int batchSize() {
        if (batch.equals("dynamic")) {
            return 0;
        }
        try {
            int b = Integer.parseInt(batch);
            if (b > 0) {
                return b;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UserException("--batch must be dynamic or a positive number, got '" + batch + "'");
    }

    private OnnxExport.Weights weights() {
        return switch (precision.toLowerCase(Locale.ROOT)) {
            case "fp32" -> OnnxExport.Weights.FP32;
            case "fp16" -> OnnxExport.Weights.FP16;
            default -> throw new UserException("--precision must be fp32 or fp16, got '" + precision + "'");
        };
    }
}
